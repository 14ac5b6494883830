/**
 * Why a document yielded no text (or no preview). Every code is a property of the input,
 * so the pipeline records it on the version for the user to see and does not retry:
 *
 * - `unsupported_type`: no extractor for this content type / extension.
 * - `corrupt`: the bytes are not a valid file of the claimed type (parser rejected them).
 * - `encrypted`: password-protected (PDF with a user password, an encrypted Office file).
 * - `too_large`: over an input, archive or memory cap (zip bombs land here).
 * - `timeout`: parsing ran past its time budget and the worker was terminated.
 * - `empty`: the file parsed but holds no text (a scanned PDF without a text layer, a blank file).
 *
 * Anything else thrown by `extractText` / `renderPreview` (a worker that cannot start, a bug)
 * is a plain `Error`: an infrastructure failure the job should retry.
 */
export const EXTRACTION_ERROR_CODES = [
  'unsupported_type',
  'corrupt',
  'encrypted',
  'too_large',
  'timeout',
  'empty',
] as const;

export type ExtractionErrorCode = (typeof EXTRACTION_ERROR_CODES)[number];

export class ExtractionError extends Error {
  readonly code: ExtractionErrorCode;
  constructor(code: ExtractionErrorCode, message: string) {
    super(message);
    this.name = 'ExtractionError';
    this.code = code;
  }
}

export function isExtractionErrorCode(value: unknown): value is ExtractionErrorCode {
  return typeof value === 'string' && (EXTRACTION_ERROR_CODES as readonly string[]).includes(value);
}
