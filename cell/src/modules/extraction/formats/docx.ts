import mammoth from 'mammoth';
import { ExtractionError } from '../errors.ts';
import type { TextSink } from '../sink.ts';
import { guardZip, type ZipLimits } from '../zip-guard.ts';

/** Word: mammoth's raw text (body paragraphs, table cells, lists, footnotes), after the zip gate. */
export async function extractDocx(bytes: Uint8Array, sink: TextSink, limits: ZipLimits): Promise<void> {
  await guardZip(bytes, limits);
  let result: { value: string };
  try {
    result = await mammoth.extractRawText({
      buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    });
  } catch {
    throw new ExtractionError('corrupt', 'the Word document could not be parsed');
  }
  sink.push(result.value);
}
