/**
 * Text extraction for the search pipeline: bytes of one document version → clean text plus
 * the Postgres text-search configuration to index it with. Parsing runs in a worker-thread
 * sandbox (heap cap, timeout, terminate); see README.md for formats, limits and codes.
 */
import { availableParallelism } from 'node:os';
import { ExtractionError } from './errors.ts';
import { coarseType } from './kinds.ts';
import { DEFAULT_LIMITS, type ExtractionLimits } from './limits.ts';
import { Sandbox } from './sandbox.ts';
import type { ExtractJob, ExtractOutcome } from './worker.ts';

export { EXTRACTION_ERROR_CODES, ExtractionError, type ExtractionErrorCode } from './errors.ts';
export { COARSE_TYPES, type CoarseType, coarseType, isExtractable } from './kinds.ts';
export { DEFAULT_LIMITS, type ExtractionLimits } from './limits.ts';

export interface ExtractInput {
  bytes: Buffer;
  contentType: string;
  filename: string;
}

/** `truncated` is true when the text was cut at `maxTextBytes` (the index holds a prefix). */
export type ExtractResult = ExtractOutcome;

let sandbox: Sandbox | undefined;

function pool(): Sandbox {
  sandbox ??= new Sandbox({
    workerUrl: new URL('./worker.ts', import.meta.url),
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
    resourceLimits: { maxOldGenerationSizeMb: 768, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
    idleMs: 60_000,
    maxJobsPerWorker: 200,
  });
  return sandbox;
}

/**
 * Extract the text of one document. Throws `ExtractionError` for anything about the input
 * (record it on the version, do not retry) and a plain `Error` only for infrastructure trouble.
 * `limits` overrides the defaults (tests use a tiny `timeoutMs`; plans may lower `maxInputBytes`).
 */
export async function extractText(
  input: ExtractInput,
  limits: Partial<ExtractionLimits> = {},
): Promise<ExtractResult> {
  const effective: ExtractionLimits = { ...DEFAULT_LIMITS, ...limits };
  const kind = coarseType(input.contentType, input.filename);
  if (kind === 'image' || kind === 'other') {
    throw new ExtractionError(
      'unsupported_type',
      `no text extractor for ${kind === 'image' ? 'images' : 'this type'}`,
    );
  }
  if (input.bytes.byteLength > effective.maxInputBytes) {
    throw new ExtractionError('too_large', `the file is larger than ${effective.maxInputBytes} bytes`);
  }
  if (input.bytes.byteLength === 0) throw new ExtractionError('empty', 'the file is empty');
  // A private copy is transferred to the thread; the caller's buffer stays usable.
  const bytes = new Uint8Array(input.bytes);
  const job: ExtractJob = { kind, contentType: input.contentType, bytes, limits: effective };
  return pool().run<ExtractResult>(job, { timeoutMs: effective.timeoutMs, transfer: [bytes.buffer] });
}

/** Stop the extraction threads (graceful shutdown, end of a test file). A later call starts new ones. */
export async function closeExtraction(): Promise<void> {
  const current = sandbox;
  sandbox = undefined;
  await current?.close();
}
