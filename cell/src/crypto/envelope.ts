import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';

/**
 * Streaming authenticated encryption for blobs of any size (segmented AES-256-GCM,
 * in the style of the STREAM construction used by Tink and age):
 *
 *   header  = "QENV" | version (1) | random nonce prefix (7)            12 bytes
 *   segment = AES-GCM(key, nonce, plaintext ≤ 64 KiB, aad) | tag (16)
 *   nonce   = prefix (7) | segment index, big-endian (4) | last flag (1)
 *   aad     = header | caller context (e.g. `tenantId/versionId`)
 *
 * Every segment but the last holds exactly SEGMENT_SIZE plaintext bytes; the last
 * holds 0..SEGMENT_SIZE (an empty blob is one empty final segment). The index in
 * the nonce catches reordering; the last flag catches truncation at a segment
 * boundary and appended data; the context catches a blob moved to another tenant
 * or version. Each blob has its own data key and nonce prefix, so nonces never repeat.
 */
export const SEGMENT_SIZE = 64 * 1024;
export const HEADER_SIZE = 12;
const TAG_SIZE = 16;
const MAGIC = Buffer.from('QENV', 'ascii');
const FORMAT_VERSION = 1;
const PREFIX_SIZE = 7;
const MAX_SEGMENTS = 2 ** 32;

export class EnvelopeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvelopeError';
  }
}

/** Ciphertext length for a plaintext length: header, the bytes, and one tag per segment. */
export function ciphertextSize(plaintextSize: number): number {
  if (!Number.isSafeInteger(plaintextSize) || plaintextSize < 0) {
    throw new RangeError('invalid plaintext size');
  }
  return HEADER_SIZE + plaintextSize + TAG_SIZE * Math.max(1, Math.ceil(plaintextSize / SEGMENT_SIZE));
}

function assertKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new RangeError('envelope key must be 32 bytes');
}

function segmentNonce(prefix: Buffer, index: number, last: boolean): Buffer {
  if (index >= MAX_SEGMENTS) throw new EnvelopeError('blob too large for one envelope');
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, PREFIX_SIZE);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** A FIFO of byte chunks that hands out exact-size slices without re-concatenating everything it holds. */
class ByteQueue {
  #chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.#chunks[0];
      if (head === undefined) throw new Error('ByteQueue underflow');
      const used = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(used);
    }
    this.length -= n;
    return out;
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('envelope streams take bytes (Buffer/Uint8Array), not strings');
}

/** Plaintext in, ciphertext out. */
export function encryptStream(key: Buffer, aad: string): Transform {
  assertKey(key);
  const prefix = randomBytes(PREFIX_SIZE);
  const header = Buffer.concat([MAGIC, Buffer.of(FORMAT_VERSION), prefix]);
  const fullAad = Buffer.concat([header, Buffer.from(aad, 'utf8')]);
  const pending = new ByteQueue();
  let index = 0;

  const seal = (plaintext: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, segmentNonce(prefix, index, last));
    index += 1;
    cipher.setAAD(fullAad);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };

  let headerSent = false;
  const sendHeader = (stream: Transform): void => {
    if (headerSent) return;
    headerSent = true;
    stream.push(header);
  };

  return new Transform({
    transform(chunk: unknown, _encoding, callback) {
      try {
        sendHeader(this);
        pending.push(toBuffer(chunk));
        // Strictly more than a segment: only then is this segment known not to be the last.
        while (pending.length > SEGMENT_SIZE) this.push(seal(pending.take(SEGMENT_SIZE), false));
        callback();
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    },
    flush(callback) {
      try {
        sendHeader(this);
        this.push(seal(pending.take(pending.length), true));
        callback();
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    },
  });
}

/** Ciphertext in, plaintext out; a segment's plaintext is emitted only after its tag verified. */
export function decryptStream(key: Buffer, aad: string): Transform {
  assertKey(key);
  const aadBytes = Buffer.from(aad, 'utf8');
  const pending = new ByteQueue();
  let prefix: Buffer | undefined;
  let fullAad: Buffer | undefined;
  let index = 0;

  const readHeader = (): void => {
    const header = pending.take(HEADER_SIZE);
    if (!header.subarray(0, 4).equals(MAGIC) || header[4] !== FORMAT_VERSION) {
      throw new EnvelopeError('not an envelope of a known version');
    }
    prefix = header.subarray(5);
    fullAad = Buffer.concat([header, aadBytes]);
  };

  const open = (sealed: Buffer, last: boolean): Buffer => {
    if (prefix === undefined || fullAad === undefined) throw new EnvelopeError('truncated envelope header');
    if (sealed.length < TAG_SIZE) throw new EnvelopeError('truncated envelope');
    const body = sealed.subarray(0, sealed.length - TAG_SIZE);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, segmentNonce(prefix, index, last));
      decipher.setAAD(fullAad);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
      const plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      index += 1;
      return plaintext;
    } catch (err) {
      throw new EnvelopeError(
        `envelope segment ${index} failed authentication (tampered, truncated, reordered, or wrong key/context)`,
        { cause: err },
      );
    }
  };

  return new Transform({
    transform(chunk: unknown, _encoding, callback) {
      try {
        pending.push(toBuffer(chunk));
        if (prefix === undefined && pending.length >= HEADER_SIZE) readHeader();
        if (prefix !== undefined) {
          while (pending.length > SEGMENT_SIZE + TAG_SIZE) {
            this.push(open(pending.take(SEGMENT_SIZE + TAG_SIZE), false));
          }
        }
        callback();
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    },
    flush(callback) {
      try {
        if (prefix === undefined) throw new EnvelopeError('truncated envelope header');
        this.push(open(pending.take(pending.length), true));
        callback();
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    },
  });
}
