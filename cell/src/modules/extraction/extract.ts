/**
 * Text extraction for the search pipeline: bytes of one document version → clean text plus
 * the Postgres text-search configuration to index it with. Parsing runs in a pool of child
 * processes (heap cap, memory watchdog, timeout, SIGKILL); see README.md for formats, limits
 * and codes.
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

export interface ExtractionPoolOptions {
  /** Parsing processes; further documents queue. Default: cores − 1, between 1 and 2. */
  processes: number;
  /** V8 heap per process, MiB; a document needing more ends as `too_large`. */
  maxHeapMb: number;
  /** Resident memory per busy process (heap, buffers, native), MiB; past it `too_large`. */
  maxRssMb: number;
}

export const DEFAULT_POOL_OPTIONS: ExtractionPoolOptions = {
  processes: Math.max(1, Math.min(2, availableParallelism() - 1)),
  maxHeapMb: 768,
  maxRssMb: 1536,
};

let poolOptions = DEFAULT_POOL_OPTIONS;
let sandbox: Sandbox | undefined;

function pool(): Sandbox {
  sandbox ??= new Sandbox({
    module: new URL('./worker.ts', import.meta.url),
    size: poolOptions.processes,
    maxHeapMb: poolOptions.maxHeapMb,
    maxRssMb: poolOptions.maxRssMb,
    idleMs: 60_000,
    maxJobsPerChild: 200,
  });
  return sandbox;
}

/** Size the pool (from the cell's configuration at boot). Running processes are ended and replaced. */
export async function configureExtraction(options: Partial<ExtractionPoolOptions>): Promise<void> {
  poolOptions = { ...poolOptions, ...options };
  await closeExtraction();
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
  const job: ExtractJob = { kind, contentType: input.contentType, bytes: input.bytes, limits: effective };
  return pool().run<ExtractResult>(job, { timeoutMs: effective.timeoutMs });
}

/** Stop the extraction processes (graceful shutdown, end of a test file). A later call starts new ones. */
export async function closeExtraction(): Promise<void> {
  const current = sandbox;
  sandbox = undefined;
  await current?.close();
}
