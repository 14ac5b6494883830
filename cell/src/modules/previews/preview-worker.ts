/**
 * Preview child process (a sandbox child like extraction's: heap cap, memory watchdog,
 * timeout, SIGKILL, no secrets in its environment), because both renderers parse hostile
 * input in native code:
 * - PDF: page 1 rendered by pdf.js onto a @napi-rs/canvas (Skia, prebuilt), white background;
 * - raster images: sharp (libvips, prebuilt) with a pixel cap and its own timeout, EXIF
 *   orientation applied, first frame of an animation, never enlarged.
 * Both fit the result into `maxEdge` × `maxEdge` and return PNG bytes.
 */
import { createCanvas } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import sharp from 'sharp';
import { ExtractionError } from '../extraction/errors.ts';
import { pdfError, pdfSource } from '../extraction/formats/pdf.ts';
import { isSandboxChild, serveJobs } from '../extraction/sandbox-child.ts';

export interface PreviewJob {
  kind: 'pdf' | 'raster';
  bytes: Uint8Array;
  maxEdge: number;
  /** Pixels an image may declare; more is a decompression bomb. */
  maxInputPixels: number;
  timeoutMs: number;
}

export interface PreviewImage {
  png: Uint8Array;
  width: number;
  height: number;
}

export function renderJob(job: PreviewJob): Promise<PreviewImage> {
  return job.kind === 'pdf' ? renderPdfFirstPage(job) : renderImage(job);
}

async function renderPdfFirstPage({ bytes, maxEdge }: PreviewJob): Promise<PreviewImage> {
  let task: ReturnType<typeof getDocument> | undefined;
  try {
    task = getDocument(pdfSource(bytes));
    const doc = await task.promise;
    if (doc.numPages < 1) throw new ExtractionError('empty', 'the PDF has no pages');
    const page = await doc.getPage(1);
    const unit = page.getViewport({ scale: 1 });
    if (!(unit.width > 0 && unit.height > 0))
      throw new ExtractionError('corrupt', 'the first page has no size');
    const viewport = page.getViewport({ scale: maxEdge / Math.max(unit.width, unit.height) });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    // pdf.js types its canvas parameters as DOM ones; Skia's canvas implements the same API.
    await page.render({ canvas: canvas as never, canvasContext: context as never, viewport }).promise;
    const png = new Uint8Array(await canvas.encode('png'));
    return { png, width, height };
  } catch (err) {
    throw pdfError(err);
  } finally {
    await task?.destroy();
  }
}

async function renderImage({ bytes, maxEdge, maxInputPixels, timeoutMs }: PreviewJob): Promise<PreviewImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'error' })
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

if (isSandboxChild()) serveJobs(renderJob);
