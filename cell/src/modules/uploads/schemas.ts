import { z } from '@hono/zod-openapi';
import { lineSchema } from '@quire/shared/input/text';
import { nameSchema } from '../folders/schemas.ts';

/**
 * tus `Upload-Metadata` on creation: comma-separated `key base64(value)` pairs, keys
 * `filename` (required), `title` and `filetype` (the media type; tus clients send it), each at
 * most once, any order. File names travel here, never in the URL.
 */
const B64 = '[A-Za-z0-9+/]*={0,2}';
const PAIR = `(?:filename|title|filetype) ${B64}`;
export const TUS_METADATA_PATTERN = `^${PAIR}(?:,${PAIR}){0,2}$`;

export const tusMetadataHeader = z.string().max(4096).regex(new RegExp(TUS_METADATA_PATTERN)).openapi({
  description:
    'tus metadata: `filename <base64 UTF-8>` (required), `title <base64>` and `filetype <base64 media type>` (optional), comma-separated, each key once.',
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

/** Decodes and validates (a ZodError, answered as 400, for a missing file name or a key twice). */
export function parseTusMetadata(header: string): TusMetadata {
  const decoded: Record<string, string> = {};
  for (const pair of header.split(',')) {
    const [key = '', value = ''] = pair.split(' ');
    if (key in decoded)
      throw new z.ZodError([{ code: 'custom', path: [key], message: 'given twice', input: header }]);
    decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return fields.parse(decoded);
}
