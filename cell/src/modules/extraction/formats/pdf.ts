import { createRequire } from 'node:module';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ExtractionError } from '../errors.ts';
import type { TextSink } from '../sink.ts';

const pdfjsDir = createRequire(import.meta.url)
  .resolve('pdfjs-dist/package.json')
  .replace(/package\.json$/, '');

/**
 * Options for every pdf.js document we open: no `eval` (hostile PDFs carry PostScript
 * functions), no font-face injection, errors only on the console (never page content),
 * and the bundled CMaps / standard fonts / wasm decoders read from the package on disk.
 */
export function pdfSource(bytes: Uint8Array) {
  return {
    // pdf.js refuses a Buffer (what arrives over IPC); a plain view of the same memory will do.
    data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    cMapUrl: `${pdfjsDir}cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${pdfjsDir}standard_fonts/`,
    wasmUrl: `${pdfjsDir}wasm/`,
  };
}

/** pdf.js error names → our codes; any other failure while parsing is a damaged file. */
export function pdfError(err: unknown): ExtractionError {
  if (err instanceof ExtractionError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return new ExtractionError('encrypted', 'the PDF is password-protected');
  return new ExtractionError('corrupt', 'the PDF could not be parsed');
}

export async function extractPdf(bytes: Uint8Array, sink: TextSink): Promise<void> {
  let task: ReturnType<typeof getDocument> | undefined;
  try {
    task = getDocument(pdfSource(bytes));
    const doc = await task.promise;
    for (let n = 1; n <= doc.numPages && !sink.full; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if (!('str' in item)) continue;
        sink.push(item.str);
        sink.push(item.hasEOL ? '\n' : '');
      }
      sink.paragraph();
      page.cleanup();
    }
  } catch (err) {
    throw pdfError(err);
  } finally {
    await task?.destroy();
  }
}
