import { z } from '@hono/zod-openapi';
import { lineSchema } from '@quire/shared/input/text';
import { nameSchema } from '../folders/schemas.ts';

/**
 * tus `Upload-Metadata` on creation: comma-separated `key base64(value)` pairs: `filename`
 * (required), then optionally `title`, then optionally `filetype` (the media type), in that
 * order (so the document states exactly what is accepted). File names travel here, never in
 * the URL.
 */
const B64 = '[A-Za-z0-9+/]+={0,2}';
export const TUS_METADATA_PATTERN = `^filename ${B64}(?:,title ${B64})?(?:,filetype ${B64})?$`;

export const tusMetadataHeader = z.string().max(4096).regex(new RegExp(TUS_METADATA_PATTERN)).openapi({
  description:
    'tus metadata: `filename <base64 UTF-8>` (required), then `title <base64>` and `filetype <base64 media type>` (optional, in this order), comma-separated. The decoded file name is 1-255 characters without slashes or control characters; the title one line of up to 255.',
  example: 'filename cmVwb3J0LnBkZg==,filetype YXBwbGljYXRpb24vcGRm',
});

const fields = z
  .object({
    filename: nameSchema,
    title: lineSchema(255).optional(),
    filetype: z.string().max(255).optional(),
  })
  .strict();

export type TusMetadata = z.infer<typeof fields>;

/** Decodes and validates (a ZodError, answered as 400, for a decoded name or title that breaks the rules). */
export function parseTusMetadata(header: string): TusMetadata {
  const decoded: Record<string, string> = {};
  for (const pair of header.split(',')) {
    const [key = '', value = ''] = pair.split(' ');
    decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return fields.parse(decoded);
}
