import type { ZipLimits } from './zip-guard.ts';

export interface ExtractionLimits extends ZipLimits {
  /** Larger inputs are refused with `too_large` before any parsing. */
  maxInputBytes: number;
  /** Extracted text is cut to this many UTF-8 bytes, and the result says `truncated: true`. */
  maxTextBytes: number;
  /** Wall-clock budget of one parse; past it the child process is killed (`timeout`). */
  timeoutMs: number;
}

export const DEFAULT_LIMITS: ExtractionLimits = {
  maxInputBytes: 100 * 1024 * 1024,
  maxTextBytes: 5 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxZipUncompressedBytes: 512 * 1024 * 1024,
  timeoutMs: 30_000,
};
