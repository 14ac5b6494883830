import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  ciphertextSize,
  decryptStream,
  encryptStream,
  HEADER_SIZE,
  SEGMENT_SIZE,
} from '../../src/crypto/envelope.ts';

const TAG = 16;
const KEY = randomBytes(32);
const AAD = 'ten_acme/ver_0001';

/** Feeds `input` through `transform` in chunks of `chunkSize`; collects what came out before any error. */
async function run(
  transform: Transform,
  input: Buffer,
  chunkSize = 10_007,
): Promise<{ output: Buffer; error: Error | undefined }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  let error: Error | undefined;
  try {
    await pipeline(Readable.from(chunks), transform, async (source: AsyncIterable<Buffer>) => {
      for await (const piece of source) out.push(piece);
    });
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  }
  return { output: Buffer.concat(out), error };
}

async function encrypt(plaintext: Buffer, key = KEY, aad = AAD, chunkSize?: number): Promise<Buffer> {
  const { output, error } = await run(encryptStream(key, aad), plaintext, chunkSize);
  if (error) throw error;
  return output;
}

const SIZES = [0, 1, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE, 5 * 1024 * 1024 + 7];

describe('envelope encryption', () => {
  it.each(SIZES)('round-trips %i bytes, with the predicted ciphertext size', async (size) => {
    const plaintext = randomBytes(size);
    const ciphertext = await encrypt(plaintext);
    expect(ciphertext.length).toBe(ciphertextSize(size));
    const { output, error } = await run(decryptStream(KEY, AAD), ciphertext, 65_521);
    expect(error).toBeUndefined();
    expect(output.equals(plaintext)).toBe(true);
  });

  it('round-trips when fed in tiny odd-sized writes', async () => {
    const plaintext = randomBytes(SEGMENT_SIZE + 100);
    const ciphertext = await encrypt(plaintext, KEY, AAD, 7);
    const { output, error } = await run(decryptStream(KEY, AAD), ciphertext, 7);
    expect(error).toBeUndefined();
    expect(output.equals(plaintext)).toBe(true);
  });

  it('encrypts the same plaintext differently each time', async () => {
    const plaintext = Buffer.alloc(1000, 7);
    expect((await encrypt(plaintext)).equals(await encrypt(plaintext))).toBe(false);
  });

  it('leaves no 64-byte window of the plaintext in the ciphertext', async () => {
    const plaintext = randomBytes(2 * SEGMENT_SIZE + 5000);
    const ciphertext = await encrypt(plaintext);
    expect(ciphertext.equals(plaintext)).toBe(false);
    const windows = new Set<string>();
    for (let i = 0; i + 64 <= ciphertext.length; i++) windows.add(ciphertext.toString('latin1', i, i + 64));
    let leaked = 0;
    for (let i = 0; i + 64 <= plaintext.length; i++) {
      if (windows.has(plaintext.toString('latin1', i, i + 64))) leaked += 1;
    }
    expect(leaked).toBe(0);
    // Low-entropy plaintext is where an identity "cipher" would show.
    const zeros = Buffer.alloc(SEGMENT_SIZE * 2);
    expect((await encrypt(zeros)).includes(Buffer.alloc(64))).toBe(false);
  });

  describe('rejects', () => {
    const size = 3 * SEGMENT_SIZE + 123;
    const segment = SEGMENT_SIZE + TAG;

    async function decryptError(ciphertext: Buffer, key = KEY, aad = AAD) {
      return run(decryptStream(key, aad), ciphertext);
    }

    it.each([
      ['magic', 0],
      ['nonce prefix', 6],
      ['first segment body', HEADER_SIZE + 10],
      ['first segment tag', HEADER_SIZE + segment - 1],
      ['last segment body', HEADER_SIZE + 3 * segment + 5],
      ['last byte', -1],
    ])('a flipped byte in the %s', async (_where, offset) => {
      const ciphertext = await encrypt(randomBytes(size));
      const at = offset < 0 ? ciphertext.length + offset : offset;
      ciphertext[at] = (ciphertext[at] ?? 0) ^ 0x01;
      expect((await decryptError(ciphertext)).error).toBeInstanceOf(Error);
    });

    it('a tampered segment without emitting any of its plaintext', async () => {
      const plaintext = randomBytes(size);
      const ciphertext = await encrypt(plaintext);
      ciphertext[HEADER_SIZE + segment + 100] = (ciphertext[HEADER_SIZE + segment + 100] ?? 0) ^ 0x80;
      const { output, error } = await decryptError(ciphertext);
      expect(error).toBeInstanceOf(Error);
      // Only the (verified) first segment came out.
      expect(output.length).toBeLessThanOrEqual(SEGMENT_SIZE);
      expect(output.equals(plaintext.subarray(0, output.length))).toBe(true);
    });

    it.each([
      ['one byte short', (c: Buffer) => c.subarray(0, c.length - 1)],
      [
        'the last segment dropped (at a segment boundary)',
        (c: Buffer) => c.subarray(0, HEADER_SIZE + 3 * segment),
      ],
      ['only the header', (c: Buffer) => c.subarray(0, HEADER_SIZE)],
      ['half the header', (c: Buffer) => c.subarray(0, 6)],
      ['nothing at all', () => Buffer.alloc(0)],
      ['a byte appended', (c: Buffer) => Buffer.concat([c, Buffer.of(0)])],
    ])('a truncated or extended blob: %s', async (_what, cut) => {
      const ciphertext = await encrypt(randomBytes(size));
      expect((await decryptError(cut(ciphertext))).error).toBeInstanceOf(Error);
    });

    it('a truncated empty blob', async () => {
      const ciphertext = await encrypt(Buffer.alloc(0));
      expect(ciphertext.length).toBe(HEADER_SIZE + TAG);
      expect((await decryptError(ciphertext.subarray(0, ciphertext.length - 1))).error).toBeInstanceOf(Error);
    });

    it('swapped segments', async () => {
      const ciphertext = await encrypt(randomBytes(size));
      const first = ciphertext.subarray(HEADER_SIZE, HEADER_SIZE + segment);
      const second = ciphertext.subarray(HEADER_SIZE + segment, HEADER_SIZE + 2 * segment);
      const swapped = Buffer.concat([
        ciphertext.subarray(0, HEADER_SIZE),
        second,
        first,
        ciphertext.subarray(HEADER_SIZE + 2 * segment),
      ]);
      expect(swapped.length).toBe(ciphertext.length);
      expect((await decryptError(swapped)).error).toBeInstanceOf(Error);
    });

    it('a segment from another blob under the same key', async () => {
      const a = await encrypt(randomBytes(size));
      const b = await encrypt(randomBytes(size));
      const spliced = Buffer.concat([
        a.subarray(0, HEADER_SIZE + segment),
        b.subarray(HEADER_SIZE + segment),
      ]);
      expect((await decryptError(spliced)).error).toBeInstanceOf(Error);
    });

    it('the wrong context (a blob moved to another tenant or version)', async () => {
      const ciphertext = await encrypt(randomBytes(1000));
      expect((await decryptError(ciphertext, KEY, 'ten_other/ver_0001')).error).toBeInstanceOf(Error);
      expect((await decryptError(ciphertext, KEY, 'ten_acme/ver_0002')).error).toBeInstanceOf(Error);
    });

    it('the wrong key', async () => {
      const ciphertext = await encrypt(randomBytes(1000));
      const { output, error } = await decryptError(ciphertext, randomBytes(32));
      expect(error).toBeInstanceOf(Error);
      expect(output.length).toBe(0);
    });

    it('keys that are not 32 bytes', () => {
      expect(() => encryptStream(randomBytes(16), AAD)).toThrow(RangeError);
      expect(() => decryptStream(Buffer.alloc(0), AAD)).toThrow(RangeError);
    });
  });

  it('predicts ciphertext sizes', () => {
    expect(ciphertextSize(0)).toBe(HEADER_SIZE + TAG);
    expect(ciphertextSize(SEGMENT_SIZE)).toBe(HEADER_SIZE + SEGMENT_SIZE + TAG);
    expect(ciphertextSize(SEGMENT_SIZE + 1)).toBe(HEADER_SIZE + SEGMENT_SIZE + 1 + 2 * TAG);
  });
});
