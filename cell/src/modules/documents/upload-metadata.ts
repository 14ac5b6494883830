import { z } from '@hono/zod-openapi';
import { lineSchema } from '@quire/shared/input/text';
import { nameSchema } from '../folders/schemas.ts';

/**
 * An upload's file name and title travel in the `Upload-Metadata` header (the tus 1.0 syntax:
 * comma-separated `key base64(value)` pairs), never in the URL: request logs, traces and
 * analytics of the edge provider record URLs, possibly outside the tenant's region.
 */
const B64 = '[A-Za-z0-9+/]+={0,2}';
/** `filename` required, `title` optional, either order, nothing else. */
export const UPLOAD_METADATA_PATTERN = `^(?:filename ${B64}(?:,title ${B64})?|title ${B64},filename ${B64})$`;

export const uploadMetadataHeader = z
  .string()
  .max(4096)
  .regex(new RegExp(UPLOAD_METADATA_PATTERN))
  .openapi({
    description:
      'tus-style metadata: `filename <base64 of the UTF-8 file name>` (required) and `title <base64>` (optional), comma-separated. ' +
      'The decoded file name is 1-255 characters without slashes or control characters; the title one line of up to 255.',
    example: 'filename bXNhLTIwMjYucGRm,title TWFzdGVyIGFncmVlbWVudA==',
  });

const fields = z
  .object({
    filename: nameSchema.openapi({ description: 'File name (no slashes)' }),
    title: lineSchema(255).optional().openapi({ description: 'Title; defaults to the file name' }),
  })
  .strict();

export type UploadMetadata = z.infer<typeof fields>;

/** Decodes and validates the header (a ZodError, answered as 400 validation_failed, otherwise). */
export function parseUploadMetadata(header: string): UploadMetadata {
  const decoded: Record<string, string> = {};
  for (const pair of header.split(',')) {
    const [key, value = ''] = pair.split(' ');
    decoded[key!] = Buffer.from(value, 'base64').toString('utf8');
  }
  return fields.parse(decoded);
}

/** Builds the header (clients, tests, benches). */
export function uploadMetadata(m: UploadMetadata): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return [`filename ${b64(m.filename)}`, ...(m.title === undefined ? [] : [`title ${b64(m.title)}`])].join(
    ',',
  );
}
