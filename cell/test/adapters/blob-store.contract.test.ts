import { createHash, type Hash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/adapters/blob-store/fs.ts';
import {
  BlobKeyError,
  BlobNotFoundError,
  type BlobStore,
  blobKey,
} from '../../src/adapters/blob-store/port.ts';
import { createS3Client, S3BlobStore } from '../../src/adapters/blob-store/s3.ts';

const S3_ENDPOINT = process.env.QUIRE_S3_ENDPOINT ?? 'http://127.0.0.1:45690';
const MB = 1024 * 1024;

/** What the contract needs from each implementation besides the port itself. */
interface Harness {
  store: BlobStore;
  /** Debris a failed put could leave near `key` (fs temp files, S3 in-progress multipart uploads). */
  leftovers(key: string): Promise<string[]>;
  /** Leaves what a put killed mid-way would leave near `key`. */
  makeDebris(key: string): Promise<void>;
  /** Whether the endpoint reports when debris was made (moto answers 2010-11-10 for every multipart upload). */
  debrisHasRealTimes: boolean;
  teardown(): Promise<void>;
}

async function fsHarness(): Promise<Harness> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'quire-blobs-'));
  return {
    store: new FsBlobStore(root),
    async leftovers(key) {
      const dir = path.dirname(path.join(root, ...key.split('/')));
      const names = await readdir(dir).catch(() => []);
      return names.filter((n) => n.startsWith('.tmp-'));
    },
    debrisHasRealTimes: true,
    async makeDebris(key) {
      const dir = path.dirname(path.join(root, ...key.split('/')));
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `.tmp-${randomBytes(6).toString('hex')}`), 'half a blob');
    },
    teardown: () => rm(root, { recursive: true, force: true }),
  };
}

async function s3Harness(): Promise<Harness> {
  const client: S3Client = createS3Client({
    endpoint: S3_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const bucket = `quire-blob-contract-${randomBytes(6).toString('hex')}`;
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    // Fail loudly: these tests exist to run against a real S3 endpoint.
    throw new Error(`S3 endpoint ${S3_ENDPOINT} is unreachable (start it: bash infra/local/stack.sh up)`, {
      cause: err,
    });
  }
  const store = new S3BlobStore({ client, bucket });
  return {
    store,
    async leftovers(key) {
      const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      return (res.Uploads ?? []).map((u) => `${u.Key} (${u.UploadId})`);
    },
    debrisHasRealTimes: false,
    async makeDebris(key) {
      await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    },
    async teardown() {
      for (const tenant of usedTenants) await store.deletePrefix(blobKey(tenant));
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

const usedTenants = new Set<string>();
function newTenant(): string {
  const id = `ten_${randomBytes(6).toString('hex')}`;
  usedTenants.add(id);
  return id;
}

/** A body of `size` random bytes generated chunk by chunk (never held whole), hashed as it goes. */
async function* generated(size: number, hash: Hash, chunkSize = 100_003): AsyncGenerator<Uint8Array> {
  for (let left = size; left > 0; left -= chunkSize) {
    const chunk = randomBytes(Math.min(chunkSize, left));
    hash.update(chunk);
    yield chunk;
  }
}

async function* failingAfter(size: number): AsyncGenerator<Uint8Array> {
  yield* generated(size, createHash('sha256'), MB);
  throw new Error('client went away mid-upload');
}

async function digest(stream: NodeJS.ReadableStream): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    if (typeof chunk === 'string') throw new Error('blob stream yielded a string');
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function putBytes(store: BlobStore, key: string, bytes: Buffer): Promise<void> {
  await store.put(key, Readable.from([bytes]));
}

async function readAll(store: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe.each([
  ['FsBlobStore', fsHarness],
  ['S3BlobStore', s3Harness],
])('BlobStore contract: %s', (name, makeHarness) => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it.each([
    ['empty', 0],
    ['small', 1000],
    ['~20 MB', 20 * MB + 12_345],
  ])('round-trips a %s streamed body byte for byte', async (_label, size) => {
    const key = blobKey(newTenant(), 'docs', 'doc_1', 'ver_1.bin');
    const sent = createHash('sha256');
    const started = performance.now();
    const { size: stored } = await h.store.put(key, generated(size, sent));
    const putMs = performance.now() - started;
    expect(stored).toBe(size);
    expect(await h.store.exists(key)).toBe(true);
    const got = await digest(await h.store.get(key));
    const totalMs = performance.now() - started;
    expect(got).toEqual({ sha256: sent.digest('hex'), size });
    if (size > MB) {
      console.info(
        `[${name}] ${(size / MB).toFixed(1)} MB: put ${putMs.toFixed(0)} ms, put+get ${totalMs.toFixed(0)} ms`,
      );
    }
  });

  it('accepts a Node Readable body', async () => {
    const key = blobKey(newTenant(), 'readable.bin');
    const bytes = randomBytes(70_000);
    const { size } = await h.store.put(
      key,
      Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]),
    );
    expect(size).toBe(70_000);
    expect((await readAll(h.store, key)).equals(bytes)).toBe(true);
  });

  it('overwrites an existing object', async () => {
    const key = blobKey(newTenant(), 'over.bin');
    await putBytes(h.store, key, Buffer.from('first version, longer than the second'));
    await putBytes(h.store, key, Buffer.from('second'));
    expect((await readAll(h.store, key)).toString()).toBe('second');
  });

  it('reports a missing key as BlobNotFoundError / false', async () => {
    const key = blobKey(newTenant(), 'never-written.bin');
    await expect(h.store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await h.store.exists(key)).toBe(false);
  });

  it('deletes idempotently', async () => {
    const key = blobKey(newTenant(), 'gone.bin');
    await h.store.delete(key);
    await putBytes(h.store, key, Buffer.from('x'));
    await h.store.delete(key);
    expect(await h.store.exists(key)).toBe(false);
    await expect(h.store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    await h.store.delete(key);
  });

  it("deletes a tenant's prefix and nothing else", async () => {
    const a = newTenant();
    const b = newTenant();
    const lookalike = `${a}x`; // shares a's id as a string prefix: must survive
    usedTenants.add(lookalike);
    const aKeys = [
      blobKey(a, 'one.bin'),
      blobKey(a, 'docs', 'two.bin'),
      blobKey(a, 'exports', 'e1', 'three.bin'),
    ];
    const othersKeys = [blobKey(b, 'one.bin'), blobKey(b, 'docs', 'two.bin'), blobKey(lookalike, 'one.bin')];
    for (const key of [...aKeys, ...othersKeys]) await putBytes(h.store, key, Buffer.from(key));

    expect(await h.store.deletePrefix(blobKey(a, 'exports'))).toBe(1);
    expect(await h.store.exists(aKeys[0] ?? '')).toBe(true);
    expect(await h.store.deletePrefix(`${blobKey(a)}/`)).toBe(2);
    for (const key of aKeys) expect(await h.store.exists(key)).toBe(false);
    for (const key of othersKeys) expect((await readAll(h.store, key)).toString()).toBe(key);
    expect(await h.store.deletePrefix(blobKey(a))).toBe(0);
  });

  it('lists a tenant’s objects with when they were written, and nothing of a lookalike tenant', async () => {
    const a = newTenant();
    const lookalike = `${a}x`;
    usedTenants.add(lookalike);
    const before = Date.now() - 60_000;
    const aKeys = [blobKey(a, 'one.bin'), blobKey(a, 'docs', 'd1', 'two.bin')];
    for (const key of [...aKeys, blobKey(lookalike, 'one.bin')])
      await putBytes(h.store, key, Buffer.from(key));
    await h.makeDebris(blobKey(a, 'docs', 'd1', 'three.bin')); // not an object: never listed
    const listed: { key: string; modifiedAt: Date }[] = [];
    for await (const item of h.store.list(blobKey(a))) listed.push(item);
    expect(listed.map((l) => l.key).sort()).toEqual([...aKeys].sort());
    for (const l of listed) expect(l.modifiedAt.getTime()).toBeGreaterThan(before);
    const none: unknown[] = [];
    for await (const item of h.store.list(blobKey(newTenant()))) none.push(item);
    expect(none).toEqual([]);
    await expect(h.store.list('tenants')[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(BlobKeyError);
    await h.store.removeIncomplete(new Date(Date.now() + 60_000));
  });

  it('removes what interrupted puts left behind once it is old enough, and no object', async () => {
    const key = blobKey(newTenant(), 'docs', 'd2', 'killed.bin');
    const kept = blobKey(newTenant(), 'kept.bin');
    await putBytes(h.store, kept, Buffer.from('an object'));
    await h.makeDebris(key);
    expect(await h.leftovers(key)).toHaveLength(1);
    if (h.debrisHasRealTimes) {
      expect(await h.store.removeIncomplete(new Date(Date.now() - 3_600_000))).toBe(0); // still young
      expect(await h.leftovers(key)).toHaveLength(1);
    }
    expect(await h.store.removeIncomplete(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await h.leftovers(key)).toEqual([]);
    expect((await readAll(h.store, kept)).toString()).toBe('an object');
  });

  describe('rejects keys that could escape the root or the tenant', () => {
    const bad = [
      'tenants/ten_a/../ten_b/x',
      '../tenants/ten_a/x',
      '/etc/passwd',
      '/tenants/ten_a/x',
      'tenants/ten_a/..\\..\\x',
      'tenants/ten_a/a\0b',
      'tenants//x',
      'tenants/ten_a/',
      'tenants/ten_a',
      'tenants/../x/y',
      'tenants/ten_a/.tmp-abc',
      'other/ten_a/x',
      '',
    ];
    it.each(bad)('%j', async (key) => {
      await expect(h.store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(BlobKeyError);
      await expect(h.store.get(key)).rejects.toBeInstanceOf(BlobKeyError);
      await expect(h.store.exists(key)).rejects.toBeInstanceOf(BlobKeyError);
      await expect(h.store.delete(key)).rejects.toBeInstanceOf(BlobKeyError);
    });

    it('in deletePrefix too', async () => {
      for (const prefix of [
        'tenants',
        'tenants/',
        '',
        '../x',
        'tenants/ten_a/../ten_b',
        'tenants/ten_a\\x',
      ]) {
        await expect(h.store.deletePrefix(prefix)).rejects.toBeInstanceOf(BlobKeyError);
      }
    });
  });

  it('leaves nothing at the key when the body fails mid-way', async () => {
    const key = blobKey(newTenant(), 'docs', 'partial.bin');
    // 12 MB: past one S3 part, so a multipart upload is under way when the body fails.
    await expect(h.store.put(key, failingAfter(12 * MB))).rejects.toThrow('client went away');
    expect(await h.store.exists(key)).toBe(false);
    await expect(h.store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await h.leftovers(key)).toEqual([]);
  });

  it('keeps the previous object when an overwrite fails mid-way', async () => {
    const key = blobKey(newTenant(), 'kept.bin');
    await putBytes(h.store, key, Buffer.from('the good version'));
    const broken = new Readable({ read() {} });
    broken.push(randomBytes(64 * 1024));
    setImmediate(() => broken.destroy(new Error('socket reset')));
    await expect(h.store.put(key, broken)).rejects.toThrow('socket reset');
    expect((await readAll(h.store, key)).toString()).toBe('the good version');
    expect(await h.leftovers(key)).toEqual([]);
  });
});

describe('blobKey', () => {
  it('builds tenants/{tenantId}/{parts}', () => {
    expect(blobKey('ten_acme', 'docs', 'doc_1', 'ver_2.enc')).toBe('tenants/ten_acme/docs/doc_1/ver_2.enc');
    expect(blobKey('ten_acme')).toBe('tenants/ten_acme');
  });

  it.each([
    ['empty part', ['ten_acme', '']],
    ['slash', ['ten_acme', 'a/b']],
    ['backslash', ['ten_acme', 'a\\b']],
    ['dot-dot', ['ten_acme', '..']],
    ['embedded dot-dot', ['ten_acme', 'a..b']],
    ['dot', ['ten_acme', '.']],
    ['NUL', ['ten_acme', 'a\0b']],
    ['space', ['ten_acme', 'a b']],
    ['non-ASCII', ['ten_acme', 'café']],
    ['bad tenant id', ['../etc', 'x']],
    ['tenant id with slash', ['ten_a/b', 'x']],
  ])('rejects a %s', (_what, [tenant, ...parts]) => {
    expect(() => blobKey(tenant ?? '', ...parts)).toThrow(BlobKeyError);
  });
});
