import mammoth from 'mammoth';
import { ExtractionError } from '../errors.ts';
import type { TextSink } from '../sink.ts';
import { guardZip, type ZipLimits } from '../zip-guard.ts';
import { htmlToText } from './html.ts';

/**
 * Word, after the zip gate: mammoth converts the body to HTML (paragraphs, lists, tables,
 * footnotes and endnotes — its raw-text mode drops the notes), then the HTML extractor
 * makes it text, a table row per line. Images become empty `<img>` rather than base64 data
 * URIs, which would only cost memory. Page headers and footers are not read by mammoth.
 */
const options = {
  convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
  ignoreEmptyParagraphs: true,
};

export async function extractDocx(bytes: Uint8Array, sink: TextSink, limits: ZipLimits): Promise<void> {
  await guardZip(bytes, limits);
  let html: string;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    html = (await mammoth.convertToHtml({ buffer }, options)).value;
  } catch {
    throw new ExtractionError('corrupt', 'the Word document could not be parsed');
  }
  sink.push(htmlToText(html));
}
