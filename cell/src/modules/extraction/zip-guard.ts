import yauzl from 'yauzl';
import { ExtractionError } from './errors.ts';

export interface ZipLimits {
  /** Most entries an Office file may hold (real ones hold tens to a few thousand). */
  maxZipEntries: number;
  /** Most bytes all entries may inflate to, together. */
  maxZipUncompressedBytes: number;
}

/**
 * Zip-bomb gate for DOCX/XLSX/PPTX, run before any format library sees the bytes.
 *
 * 1. Reads the central directory only: too many entries, or declared sizes adding up past the
 *    cap → `too_large`, before anything is inflated.
 * 2. Inflates every entry as a bounded stream and counts: yauzl checks that no entry inflates
 *    past its declared size (a header that lies is `corrupt`), so the total actually inflated
 *    never exceeds the cap either. Nothing is buffered except the entries `keep` asks for.
 *
 * Step 2 costs one extra inflate of the archive (the format library inflates again), which is
 * the price of knowing the true sizes: libraries such as JSZip inflate whatever they are given.
 */
export async function guardZip(
  bytes: Uint8Array,
  limits: ZipLimits,
  keep: (name: string) => boolean = () => false,
): Promise<Map<string, Buffer>> {
  if (isCompoundFile(bytes)) {
    // Password-protected OOXML is an OLE compound file holding an "EncryptedPackage" stream.
    if (containsUtf16(bytes, 'EncryptedPackage'))
      throw new ExtractionError('encrypted', 'the file is password-protected');
    throw new ExtractionError('corrupt', 'not an Office Open XML file (legacy binary format?)');
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buffer, { validateEntrySizes: true, strictFileNames: false });
  } catch {
    throw new ExtractionError('corrupt', 'not a valid zip archive');
  }
  if (zip.entryCount > limits.maxZipEntries) {
    throw new ExtractionError(
      'too_large',
      `archive has ${zip.entryCount} entries (limit ${limits.maxZipEntries})`,
    );
  }
  const entries: yauzl.Entry[] = [];
  let declared = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      entries.push(entry);
      declared += entry.uncompressedSize;
      if (declared > limits.maxZipUncompressedBytes) {
        throw new ExtractionError(
          'too_large',
          `archive inflates past ${limits.maxZipUncompressedBytes} bytes`,
        );
      }
      if (entry.isEncrypted()) throw new ExtractionError('encrypted', 'the archive is encrypted');
    }
  } catch (err) {
    if (err instanceof ExtractionError) throw err;
    throw new ExtractionError('corrupt', 'damaged zip directory');
  }
  const kept = new Map<string, Buffer>();
  for (const entry of entries) {
    if (entry.fileName.endsWith('/')) continue;
    const wanted = keep(entry.fileName);
    try {
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (wanted) chunks.push(chunk);
      }
      if (wanted) kept.set(entry.fileName, Buffer.concat(chunks));
    } catch (err) {
      // yauzl stops an entry the moment it inflates past its declared size: a lying header.
      if (err instanceof Error && /too many bytes/i.test(err.message)) {
        throw new ExtractionError('too_large', 'a zip entry inflates past the size it declares');
      }
      throw new ExtractionError('corrupt', 'a zip entry is damaged');
    }
  }
  return kept;
}

function isCompoundFile(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;
}

function containsUtf16(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(
    Buffer.from(needle, 'utf16le'),
  );
}
