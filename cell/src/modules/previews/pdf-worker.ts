/**
 * Preview worker thread: renders page 1 of a PDF with pdf.js onto a @napi-rs/canvas
 * (Skia, prebuilt) scaled to fit `maxEdge`, and returns PNG bytes. Runs inside the same
 * sandbox as extraction (heap cap, timeout, terminate), since pdf.js parses hostile input.
 */
import { workerData as data, parentPort } from 'node:worker_threads';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ExtractionError } from '../extraction/errors.ts';
import { pdfError, pdfSource } from '../extraction/formats/pdf.ts';
import { serveJobs } from '../extraction/sandbox-worker.ts';

export interface PdfPreviewJob {
  bytes: Uint8Array;
  maxEdge: number;
}

export interface PreviewImage {
  png: Uint8Array;
  width: number;
  height: number;
}

export async function renderPdfFirstPage({ bytes, maxEdge }: PdfPreviewJob): Promise<PreviewImage> {
  const task = getDocument(pdfSource(bytes));
  try {
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
    // Skia's buffer lives outside the JS heap and cannot be transferred: copy it once.
    const png = new Uint8Array(await canvas.encode('png'));
    return { png, width, height };
  } catch (err) {
    throw pdfError(err);
  } finally {
    await task.destroy();
  }
}

if (parentPort && data?.quireSandbox) {
  serveJobs(parentPort, renderPdfFirstPage, (image) => [image.png.buffer as ArrayBuffer]);
}
