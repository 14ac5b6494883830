import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { CellDeps } from '../../context.ts';
import { decryptStream, encryptStream } from '../../crypto/envelope.ts';
import { readContent } from '../documents/content.ts';
import type { VersionRow } from '../documents/repo.ts';

/** One document version to put in a zip, at `path`. */
export interface ZipEntry {
  path: string;
  version: VersionRow;
  mtime: Date;
}

export interface EncryptedZip {
  wrappedKey: Buffer;
  keyRef: string;
  /** Ciphertext bytes stored. */
  size: number;
}

/** Text-like content is worth deflating; everything else is stored as is. */
export const compressible = (contentType: string) => /^text\/|json|xml|csv|markdown/.test(contentType);

/**
 * The one zip path of the cell (bulk exports, portability exports): buffers first (manifests),
 * then each version decrypted from the blob store as it streams (one open at a time: memory
 * does not grow with the export), the zip encrypted under a fresh data key of the tenant into
 * the blob store at `key`. `beforeFile` may throw to stop (cancellation); `afterFile` counts.
 * On failure nothing is left at `key`.
 */
export async function writeEncryptedZip(
  deps: CellDeps,
  tenantId: string,
  o: {
    key: string;
    aad: string;
    buffers: { path: string; data: Buffer }[];
    files: ZipEntry[];
    beforeFile?: (f: ZipEntry) => void;
    afterFile?: (f: ZipEntry) => void;
  },
): Promise<EncryptedZip> {
  const dataKey = await deps.keyring.generateDataKey(tenantId);
  try {
    const zip = new ZipFile();
    for (const b of o.buffers) zip.addBuffer(b.data, b.path, { mtime: new Date() });
    for (const f of o.files) {
      zip.addReadStreamLazy(
        f.path,
        { mtime: f.mtime, size: f.version.size, compress: compressible(f.version.contentType) },
        (cb) => {
          try {
            o.beforeFile?.(f);
          } catch (err) {
            return cb(err as Error, undefined as never);
          }
          readContent(deps, tenantId, f.version).then(
            (stream) => {
              stream.once('end', () => o.afterFile?.(f));
              cb(null, stream);
            },
            (err) => cb(err, undefined as never),
          );
        },
      );
    }
    zip.end();
    const cipher = encryptStream(dataKey.plaintext, o.aad);
    const output = zip.outputStream as Readable;
    zip.once('error', (err: Error) => cipher.destroy(err));
    output.once('error', (err: Error) => cipher.destroy(err));
    output.pipe(cipher);
    const { size } = await deps.blobs.put(o.key, cipher);
    return { wrappedKey: dataKey.wrapped, keyRef: dataKey.keyRef, size };
  } catch (err) {
    await deps.blobs.delete(o.key).catch(() => {});
    throw err;
  } finally {
    dataKey.plaintext.fill(0);
  }
}

/** The plaintext zip written by writeEncryptedZip, decrypted as it streams. */
export async function readEncryptedZip(
  deps: CellDeps,
  tenantId: string,
  o: { key: string; aad: string; wrappedKey: Buffer },
): Promise<Readable> {
  const dataKey = await deps.keyring.unwrapDataKey(tenantId, o.wrappedKey);
  const source = (await deps.blobs.get(o.key)) as Readable;
  const decipher = decryptStream(dataKey, o.aad);
  source.once('error', (e) => decipher.destroy(e));
  return source.pipe(decipher);
}
