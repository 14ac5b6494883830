import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { uploadMetadata } from '../../src/modules/documents/upload-metadata.ts';

let cell: TestCell;
let admin: TestUser;

beforeAll(async () => {
  cell = await startTestCell();
  ({ admin } = await buildTenant(cell));
});
afterAll(async () => cell.close());

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)],
  );
}

describe('documents', () => {
  it('upload, download byte-for-byte with its content type, and the blob at rest is ciphertext', async () => {
    const content = `CONFIDENTIAL-MARKER ${randomBytes(2000).toString('hex')}`;
    const up = await uploadDoc(
      cell,
      admin,
      content,
      { filename: 'plan.txt' },
      { 'content-type': 'text/plain; charset=utf-8' },
    );
    expect(up.status).toBe(201);
    expect(up.body.version.sha256).toBe(sha(content));
    const res = await cell.app.request(`/v1/documents/${up.body.document.id}/content`, {
      headers: admin.headers,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe(content);
    const blobs = filesUnder(join(cell.dir, 'blobs'));
    expect(blobs.length).toBeGreaterThan(0);
    for (const f of blobs) expect(readFileSync(f).includes('CONFIDENTIAL-MARKER')).toBe(false);
  });

  it('versions, download of an old version, and rollback as a new version', async () => {
    const up = await uploadDoc(cell, admin, 'version one');
    const id = up.body.document.id;
    const v1 = up.body.version.id;
    const v2 = await cell.app.request(`/v1/documents/${id}/versions`, {
      method: 'POST',
      headers: { ...admin.headers, 'upload-metadata': uploadMetadata({ filename: 'file.txt' }) },
      body: 'version two',
    });
    expect(v2.status).toBe(201);
    const old = await cell.app.request(`/v1/documents/${id}/content?versionId=${v1}`, {
      headers: admin.headers,
    });
    expect(await old.text()).toBe('version one');
    const rolled = await call(cell, admin, 'POST', `/v1/documents/${id}/versions/${v1}/restore`);
    expect(rolled.status).toBe(201);
    expect(rolled.body.version.number).toBe(3);
    expect(rolled.body.version.restoredFrom).toBe(v1);
    const current = await cell.app.request(`/v1/documents/${id}/content`, { headers: admin.headers });
    expect(await current.text()).toBe('version one');
    const versions = await call(cell, admin, 'GET', `/v1/documents/${id}/versions`);
    expect(versions.body.items.map((v: { number: number }) => v.number)).toEqual([3, 2, 1]);
  });

  it('a retried upload with the same Idempotency-Key returns the first result, not a duplicate', async () => {
    const key = `k-${Date.now()}`;
    const first = await uploadDoc(cell, admin, 'once', { filename: 'idem.txt' }, { 'idempotency-key': key });
    const second = await uploadDoc(cell, admin, 'once', { filename: 'idem.txt' }, { 'idempotency-key': key });
    expect(second.status).toBe(201);
    expect(second.body.document.id).toBe(first.body.document.id);
    const reused = await uploadDoc(
      cell,
      admin,
      'other',
      { filename: 'different.txt' },
      { 'idempotency-key': key },
    );
    expect(reused.status).toBe(409);
  });

  it('trash, restore, then permanent delete removes rows and blobs', async () => {
    const up = await uploadDoc(cell, admin, 'to be deleted');
    const id = up.body.document.id;
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${id}/permanent`)).status).toBe(409);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${id}`)).status).toBe(200);
    const trash = await call(cell, admin, 'GET', '/v1/trash');
    expect(trash.body.items.map((d: { id: string }) => d.id)).toContain(id);
    expect((await call(cell, admin, 'POST', `/v1/documents/${id}/restore`)).status).toBe(200);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${id}`)).status).toBe(200);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${id}/permanent`)).status).toBe(204);
    expect((await call(cell, admin, 'GET', `/v1/documents/${id}`)).status).toBe(404);
    expect(filesUnder(join(cell.dir, 'blobs')).some((f) => f.includes(id))).toBe(false);
  });

  it('a file over the plan limit is refused with 413 and leaves nothing behind', async () => {
    const before = filesUnder(join(cell.dir, 'blobs')).length;
    const res = await uploadDoc(cell, admin, 'x', {}, { 'content-length': String(51 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(filesUnder(join(cell.dir, 'blobs')).length).toBe(before);
  });
});

describe('bad input gets a 4xx with the error shape, never a 500', () => {
  const cases: Array<[string, string, string, string | undefined, Record<string, string>?]> = [
    ['malformed JSON', 'POST', '/v1/folders', '{"name":', { 'content-type': 'application/json' }],
    [
      'wrong types',
      'POST',
      '/v1/folders',
      JSON.stringify({ name: 42 }),
      { 'content-type': 'application/json' },
    ],
    [
      'unknown field',
      'POST',
      '/v1/folders',
      JSON.stringify({ name: 'a', owner: 'me' }),
      { 'content-type': 'application/json' },
    ],
    [
      'path traversal name',
      'POST',
      '/v1/folders',
      JSON.stringify({ name: '../etc' }),
      { 'content-type': 'application/json' },
    ],
    [
      'dot-dot name',
      'POST',
      '/v1/folders',
      JSON.stringify({ name: '..' }),
      { 'content-type': 'application/json' },
    ],
    [
      'traversal filename',
      'POST',
      '/v1/documents',
      'x',
      { 'upload-metadata': uploadMetadata({ filename: '../../etc/passwd' }) },
    ],
    ['no metadata', 'POST', '/v1/documents', 'x', {}],
    ['metadata without a file name', 'POST', '/v1/documents', 'x', { 'upload-metadata': 'title eA==' }],
    [
      'a file name in the URL',
      'POST',
      '/v1/documents?filename=a.txt',
      'x',
      { 'upload-metadata': uploadMetadata({ filename: 'a.txt' }) },
    ],
    [
      'a NUL in the file name',
      'POST',
      '/v1/documents',
      'x',
      { 'upload-metadata': `filename ${Buffer.from('a\u0000b').toString('base64')}` },
    ],
    ['malformed id', 'GET', '/v1/documents/not-an-id', undefined],
    ['unknown well-formed id', 'GET', '/v1/documents/doc_0000000000000000000000000', undefined],
    ['bad cursor', 'GET', '/v1/folders/root/children?cursor=%%%', undefined],
    ['huge limit', 'GET', '/v1/folders/root/children?limit=100000', undefined],
    [
      'oversized JSON body',
      'POST',
      '/v1/folders',
      JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
      { 'content-type': 'application/json' },
    ],
    ['unknown route', 'GET', '/v1/nothing-here', undefined],
  ];
  it.each(cases)('%s', async (_n, method, path, body, headers) => {
    const res = await cell.app.request(path, {
      method,
      headers: { ...admin.headers, ...(headers ?? {}) },
      body,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const json = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(typeof json.error.code).toBe('string');
    expect(typeof json.error.message).toBe('string');
    expect(JSON.stringify(json)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('no token, garbage token, and a token signed by another cell are 401', async () => {
    expect((await call(cell, null, 'GET', '/v1/me')).status).toBe(401);
    expect(
      (await cell.app.request('/v1/me', { headers: { authorization: 'Bearer abc.def.ghi' } })).status,
    ).toBe(401);
    const other = await startTestCell('eu-1');
    try {
      const { admin: foreign } = await buildTenant(other);
      expect((await call(cell, foreign, 'GET', '/v1/me')).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('the OpenAPI document lists the routes', async () => {
    const res = await call(cell, null, 'GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/documents', '/v1/folders/{id}', '/v1/grants', '/v1/auth/login']),
    );
  });
});
