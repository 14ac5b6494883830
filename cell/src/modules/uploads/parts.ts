import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { PayloadTooLarge } from '@quire/shared/errors';
import { blobKey } from '../../adapters/blob-store/port.ts';
import type { CellDeps } from '../../context.ts';
import { decryptStream, encryptStream } from '../../crypto/envelope.ts';

/** One stored part: its blob and its plaintext size. */
export interface Part {
  key: string;
  size: number;
}

/** The authenticated data binding a part to its tenant, upload and blob: moved elsewhere, it will not decrypt. */
function aadFor(tenantId: string, uploadId: string, key: string): string {
  return `quire/v1/${tenantId}/upload/${uploadId}/${key.split('/').pop()}`;
}

export function uploadPrefix(tenantId: string, uploadId: string): string {
  return blobKey(tenantId, 'uploads', uploadId);
}

/**
 * Streams a PATCH body into parts of `partBytes`, each encrypted under the upload's data key
 * (segmented AES-256-GCM with a nonce prefix of its own) and stored as its own blob; after
 * each part is durable, `commit` records it (and only then are its bytes acknowledged). A body
 * that stops mid-part (client gone, process killed) leaves that part unwritten, so the offset
 * stays at the last committed part and the client resumes from there. Never holds more than
 * the stream's own buffers in memory; never stores plaintext.
 */
export async function writeParts(
  deps: CellDeps,
  o: {
    tenantId: string;
    uploadId: string;
    dataKey: Buffer;
    body: ReadableStream<Uint8Array> | null;
    /** Bytes this request may still carry (declared length − offset). */
    remaining: number;
    partBytes: number;
    commit: (part: Part) => Promise<void>;
  },
): Promise<number> {
  if (!o.body) return 0;
  const source = Readable.fromWeb(o.body as import('node:stream/web').ReadableStream<Uint8Array>);
  let written = 0;
  let part: { plain: PassThrough; put: Promise<unknown>; key: string; size: number } | undefined;

  const open = () => {
    const key = `${uploadPrefix(o.tenantId, o.uploadId)}/${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const plain = new PassThrough();
    const cipher = encryptStream(o.dataKey, aadFor(o.tenantId, o.uploadId, key));
    plain.once('error', (e) => cipher.destroy(e));
    plain.pipe(cipher);
    const put = deps.blobs.put(key, cipher);
    put.catch(() => {}); // read when the part closes
    return { plain, put, key, size: 0 };
  };
  const close = async () => {
    if (!part) return;
    const p = part;
    part = undefined;
    p.plain.end();
    await p.put;
    await o.commit({ key: p.key, size: p.size });
  };

  try {
    for await (const raw of source) {
      let chunk = raw as Buffer;
      if (written + chunk.length > o.remaining)
        throw new PayloadTooLarge('the body carries more bytes than the upload declared (Upload-Length)');
      while (chunk.length > 0) {
        part ??= open();
        const room = o.partBytes - part.size;
        const take = chunk.subarray(0, room);
        chunk = chunk.subarray(take.length);
        part.size += take.length;
        written += take.length;
        if (!part.plain.write(take)) await Promise.race([once(part.plain, 'drain'), part.put]);
        if (part.size === o.partBytes) await close();
      }
    }
    await close();
  } catch (err) {
    // The part in hand is not durable: fail its write so it leaves nothing behind.
    part?.plain.destroy(err instanceof Error ? err : new Error(String(err)));
    await part?.put.catch(() => {});
    source.destroy();
    throw err;
  }
  return written;
}

/** The plaintext of every part in order, decrypted as it streams (for turning the upload into a version). */
export function readParts(
  deps: CellDeps,
  tenantId: string,
  uploadId: string,
  dataKey: Buffer,
  parts: Part[],
) {
  async function* bytes() {
    for (const p of parts) {
      const cipher = (await deps.blobs.get(p.key)) as Readable;
      const decipher = decryptStream(dataKey, aadFor(tenantId, uploadId, p.key));
      cipher.once('error', (e) => decipher.destroy(e));
      for await (const chunk of cipher.pipe(decipher)) yield chunk as Uint8Array;
    }
  }
  return Readable.toWeb(Readable.from(bytes())) as unknown as ReadableStream<Uint8Array>;
}
