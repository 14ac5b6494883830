/**
 * First-page / image previews: a PNG that fits in `PREVIEW_MAX_EDGE` px on its longer side.
 *
 * - Images (PNG, JPEG, WebP, GIF, TIFF, AVIF) go through sharp (libvips, prebuilt) on the main
 *   thread: libvips decodes off the event loop, with a pixel cap (decompression bombs) and a
 *   timeout of its own. EXIF orientation is applied; an animated GIF/WebP gives its first frame.
 * - PDFs are rendered by pdf.js onto a Skia canvas in a worker-thread sandbox (heap cap,
 *   timeout, terminate), like extraction.
 * - Anything else (text, Office files, SVG) has no preview: `null`.
 *
 * Errors reuse `ExtractionError` codes: `corrupt`, `encrypted` (PDF password), `too_large`,
 * `timeout`.
 */
import sharp from 'sharp';
import { ExtractionError } from '../extraction/errors.ts';
import { mediaType } from '../extraction/kinds.ts';
import { DEFAULT_LIMITS } from '../extraction/limits.ts';
import { Sandbox } from '../extraction/sandbox.ts';
import type { PdfPreviewJob, PreviewImage } from './pdf-worker.ts';

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

type PreviewKind = 'pdf' | 'raster' | undefined;

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
    workerUrl: new URL('./pdf-worker.ts', import.meta.url),
    size: 1,
    resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
    idleMs: 60_000,
    maxJobsPerWorker: 200,
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
  if (kind === 'raster') return renderImage(input.bytes, maxEdge, timeoutMs);
  const bytes = new Uint8Array(input.bytes);
  const job: PdfPreviewJob = { bytes, maxEdge };
  const image = await pool().run<PreviewImage>(job, { timeoutMs, transfer: [bytes.buffer] });
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

async function renderImage(bytes: Buffer, maxEdge: number, timeoutMs: number): Promise<Preview> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize(maxEdge, maxEdge, { fit: 'inside', withoutEnlargement: true })
      .png()
      .timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) })
      .toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (/pixel limit/i.test(message)) throw new ExtractionError('too_large', 'the image has too many pixels');
    if (/timeout/i.test(message)) throw new ExtractionError('timeout', 'the image took too long to render');
    throw new ExtractionError('corrupt', 'the image could not be decoded');
  }
}

/** Stop the preview threads (graceful shutdown, end of a test file). */
export async function closePreviews(): Promise<void> {
  const current = sandbox;
  sandbox = undefined;
  await current?.close();
}
