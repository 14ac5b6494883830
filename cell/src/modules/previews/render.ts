/**
 * First-page / image previews: a PNG that fits in `PREVIEW_MAX_EDGE` px on its longer side.
 *
 * - PDFs: page 1, rendered by pdf.js onto a Skia canvas (@napi-rs/canvas).
 * - Images (PNG, JPEG, WebP, GIF, TIFF, AVIF): sharp (libvips), EXIF orientation applied,
 *   first frame of an animation, never enlarged, a pixel cap against decompression bombs.
 * - Anything else (text, Office files, SVG) has no preview: `null`.
 *
 * Both renderers run in a child-process sandbox like extraction (preview-worker.ts): native
 * decoders on hostile bytes must not be able to crash the cell or read its environment.
 * Errors reuse `ExtractionError` codes: `corrupt`, `encrypted` (PDF password), `too_large`,
 * `timeout`.
 */
import { availableParallelism } from 'node:os';
import { ExtractionError } from '../extraction/errors.ts';
import { mediaType } from '../extraction/kinds.ts';
import { DEFAULT_LIMITS } from '../extraction/limits.ts';
import { Sandbox } from '../extraction/sandbox.ts';
import type { PreviewImage, PreviewJob } from './preview-worker.ts';

export const PREVIEW_MAX_EDGE = 512;
/** Images with more pixels than this are refused (a 1 KB PNG can declare 100k × 100k). */
export const MAX_INPUT_PIXELS = 100_000_000;
export const PREVIEW_TIMEOUT_MS = 20_000;

export interface PreviewInput {
  bytes: Buffer;
  contentType: string;
}

export interface Preview {
  png: Buffer;
  width: number;
  height: number;
}

type PreviewKind = PreviewJob['kind'] | undefined;

const RASTER_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/jpg',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
]);
const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

let sandbox: Sandbox | undefined;

function pool(): Sandbox {
  sandbox ??= new Sandbox({
    module: new URL('./preview-worker.ts', import.meta.url),
    size: Math.max(1, Math.min(2, availableParallelism() - 1)),
    maxHeapMb: 512,
    maxRssMb: 1024,
    idleMs: 60_000,
    maxJobsPerChild: 200,
  });
  return sandbox;
}

export async function renderPreview(
  input: PreviewInput,
  options: { maxEdge?: number; timeoutMs?: number; maxInputBytes?: number } = {},
): Promise<Preview | null> {
  const kind = previewKind(input.contentType, input.bytes);
  if (!kind) return null;
  const maxEdge = options.maxEdge ?? PREVIEW_MAX_EDGE;
  const timeoutMs = options.timeoutMs ?? PREVIEW_TIMEOUT_MS;
  if (input.bytes.byteLength > (options.maxInputBytes ?? DEFAULT_LIMITS.maxInputBytes)) {
    throw new ExtractionError('too_large', 'the file is too large to preview');
  }
  const job: PreviewJob = { kind, bytes: input.bytes, maxEdge, maxInputPixels: MAX_INPUT_PIXELS, timeoutMs };
  const image = await pool().run<PreviewImage>(job, { timeoutMs });
  return {
    png: Buffer.from(image.png.buffer, image.png.byteOffset, image.png.byteLength),
    width: image.width,
    height: image.height,
  };
}

/** The declared type decides; a generic one (octet-stream) lets the magic bytes decide. */
function previewKind(contentType: string, bytes: Buffer): PreviewKind {
  const media = mediaType(contentType);
  if (media === 'application/pdf' || media === 'application/x-pdf') return 'pdf';
  if (RASTER_TYPES.has(media)) return 'raster';
  if (!GENERIC.has(media)) return undefined;
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  return sniffRaster(bytes) ? 'raster' : undefined;
}

function sniffRaster(b: Buffer): boolean {
  const head = b.subarray(0, 12);
  const ascii = head.toString('latin1');
  return (
    (b[0] === 0x89 && ascii.slice(1, 4) === 'PNG') ||
    (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) ||
    ascii.startsWith('GIF8') ||
    (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP')
  );
}

/** Stop the preview processes (graceful shutdown, end of a test file). */
export async function closePreviews(): Promise<void> {
  const current = sandbox;
  sandbox = undefined;
  await current?.close();
}
