import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLarge } from '@quire/shared/errors';
import { blobKey } from '../../adapters/blob-store/port.ts';
import type { CellDeps } from '../../context.ts';
import { decryptStream, encryptStream } from '../../crypto/envelope.ts';
import type { VersionRow } from './repo.ts';

export interface StoredContent {
  size: number;
  sha256: string;
  blobKey: string;
  wrappedKey: Buffer;
  keyRef: string;
}

/** Counts and hashes plaintext as it passes; fails the stream as soon as it exceeds the limit. */
class Meter extends Transform {
  size = 0;
  readonly hash = createHash('sha256');
  private readonly limit: number;
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.size += chunk.length;
    if (this.size > this.limit)
      return done(new PayloadTooLarge(`file exceeds the plan's limit of ${this.limit} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/** The authenticated-data string binding a blob to its tenant and version: moved elsewhere, it will not decrypt. */
function aadFor(tenantId: string, versionId: string) {
  return `quire/v1/${tenantId}/${versionId}`;
}

/**
 * Streams an upload to the blob store, encrypted under a fresh data key (envelope
 * encryption): never buffered whole, never stored in the clear. Resolves once the
 * ciphertext is durable.
 */
export async function storeContent(
  deps: CellDeps,
  o: {
    tenantId: string;
    documentId: string;
    versionId: string;
    body: ReadableStream<Uint8Array> | null;
    maxBytes: number;
  },
): Promise<StoredContent> {
  const dataKey = await deps.keyring.generateDataKey(o.tenantId);
  const key = blobKey(o.tenantId, 'documents', o.documentId, o.versionId);
  const meter = new Meter(o.maxBytes);
  const source = o.body
    ? Readable.fromWeb(o.body as import('node:stream/web').ReadableStream<Uint8Array>)
    : Readable.from([]);
  const cipher = encryptStream(dataKey.plaintext, aadFor(o.tenantId, o.versionId));
  // Errors on any leg (client abort, size limit) must fail the put, which then leaves nothing behind.
  const fail = (err: Error) => cipher.destroy(err);
  source.once('error', fail);
  meter.once('error', fail);
  source.pipe(meter).pipe(cipher);
  try {
    await deps.blobs.put(key, cipher);
  } catch (err) {
    source.destroy();
    throw err instanceof PayloadTooLarge || !(meter.size > o.maxBytes)
      ? err
      : new PayloadTooLarge('file is too large');
  } finally {
    dataKey.plaintext.fill(0);
  }
  return {
    size: meter.size,
    sha256: meter.hash.digest('hex'),
    blobKey: key,
    wrappedKey: dataKey.wrapped,
    keyRef: dataKey.keyRef,
  };
}

/** Plaintext of a version, decrypted as it streams; a tampered blob errors the stream. */
export async function readContent(deps: CellDeps, tenantId: string, version: VersionRow): Promise<Readable> {
  const key = await deps.keyring.unwrapDataKey(tenantId, version.wrappedKey);
  const cipherStream = await deps.blobs.get(version.blobKey);
  // A rollback version points at the blob (and AAD) of the version it restored.
  // The decipher uses the key segment by segment as bytes arrive: it must not be wiped here.
  const decipher = decryptStream(key, aadFor(tenantId, blobVersionId(version)));
  const source = cipherStream as Readable;
  source.once('error', (e) => decipher.destroy(e));
  return source.pipe(decipher);
}

function blobVersionId(version: VersionRow): string {
  return version.blobKey.split('/').pop()!;
}

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** The declared media type, reduced to `type/subtype`; anything odd becomes octet-stream. */
export function normalizeContentType(header: string | undefined): string {
  const base = header?.split(';')[0]?.trim().toLowerCase();
  return base && CONTENT_TYPE.test(base) ? base : 'application/octet-stream';
}
