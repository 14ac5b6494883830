import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  buildUser,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { blobKey } from '../../src/adapters/blob-store/port.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { Janitor } from '../../src/modules/janitor/janitor.ts';

/**
 * Resumable uploads (tus 1.0) against a real cell: resume after a broken PATCH is
 * byte-identical, every stored byte is ciphertext, abandoned uploads leave no blob after the
 * janitor, the plan's max size is refused before any byte is stored, the concurrent-upload
 * slots apply and expire, and nobody else can see an upload id.
 */
let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
const MiB = 1024 * 1024;

beforeAll(async () => {
  cell = await startTestCell(
    'us-1',
    { blobs: 'fs', keyring: 'local' },
    { UPLOAD_PART_MB: '1', UPLOAD_SLOT_TTL_SECONDS: '1', QUEUE_PREFIX: `quire-test-tus-${process.pid}` },
  );
  a = await buildTenant(cell);
  b = await buildTenant(cell);
});
afterAll(async () => cell?.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha = (buf: Uint8Array) => createHash('sha256').update(buf).digest('hex');

async function create(user: TestUser, length: number, o: { query?: string; filename?: string } = {}) {
  const res = await cell.app.request(`/v1/uploads${o.query ?? ''}`, {
    method: 'POST',
    headers: {
      ...user.headers,
      'tus-resumable': '1.0.0',
      'upload-length': String(length),
      'upload-metadata': `filename ${b64(o.filename ?? 'große datei.bin')},filetype ${b64('application/octet-stream')}`,
    },
  });
  return { res, body: (await res.json()) as Record<string, any> };
}

/** A body that sends `bytes` and then, when `breakAfter` is set, fails like a dropped connection. */
function body(bytes: Uint8Array, breakAfter?: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      const end = Math.min(bytes.length, at + 256 * 1024);
      if (breakAfter !== undefined && at >= breakAfter) return c.error(new Error('connection reset'));
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, end));
      at = end;
    },
  });
}

function patch(
  user: TestUser,
  id: string,
  offset: number,
  data: ReadableStream<Uint8Array> | Uint8Array,
  type = 'application/offset+octet-stream',
) {
  return cell.app.request(`/v1/uploads/${id}`, {
    method: 'PATCH',
    headers: {
      ...user.headers,
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': type,
    },
    body: data,
    duplex: 'half',
  } as RequestInit);
}

const head = (user: TestUser, id: string) =>
  cell.app.request(`/v1/uploads/${id}`, { method: 'HEAD', headers: user.headers });

async function partFiles(tenantId: string, id: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of cell.deps.blobs.list(blobKey(tenantId, 'uploads', id))) keys.push(blob.key);
  return keys;
}

describe('tus uploads', () => {
  it('a PATCH broken off mid-way resumes from the last acknowledged byte; the document is byte-identical and audited', async () => {
    const data = randomBytes(3 * MiB + 12_345);
    const { res, body: created } = await create(a.admin, data.length);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/uploads/${created.id}`);
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    expect(created.id).toMatch(/^upl_[0-9a-z]{25}$/); // opaque: nothing of the file in the URL

    // The connection drops after 1.5 MiB: the first 1 MiB part is durable and acknowledged.
    await Promise.resolve(patch(a.admin, created.id, 0, body(data, Math.floor(1.5 * MiB)))).catch(
      () => undefined,
    );
    const h = await head(a.admin, created.id);
    expect(h.status).toBe(200);
    expect(h.headers.get('upload-offset')).toBe(String(MiB));
    expect(h.headers.get('upload-length')).toBe(String(data.length));
    expect(h.headers.get('cache-control')).toBe('no-store');

    // Every stored byte is ciphertext: the random plaintext does not appear in the part.
    const [part] = await partFiles(a.tenantId, created.id);
    const stored = await readFile(join(cell.env.BLOB_DIR!, part!));
    expect(stored.includes(data.subarray(1000, 1064))).toBe(false);
    expect(stored.subarray(0, 4).toString()).toBe('QENV');

    const wrong = await patch(a.admin, created.id, 0, data.subarray(0, 10));
    expect(wrong.status).toBe(409); // not the acknowledged offset

    const done = await patch(a.admin, created.id, MiB, body(data.subarray(MiB)));
    expect(done.status).toBe(204);
    expect(done.headers.get('upload-offset')).toBe(String(data.length));
    const documentId = done.headers.get('quire-document-id')!;
    expect(documentId).toMatch(/^doc_/);

    const content = await cell.app.request(`/v1/documents/${documentId}/content`, {
      headers: a.admin.headers,
    });
    expect(content.status).toBe(200);
    expect(sha(new Uint8Array(await content.arrayBuffer()))).toBe(sha(data));
    const doc = await call(cell, a.admin, 'GET', `/v1/documents/${documentId}`);
    expect(doc.body.title).toBe('große datei.bin');
    expect(await partFiles(a.tenantId, created.id)).toEqual([]); // parts gone once the version is stored

    const audit = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from audit_log
        where tenant_id = ${a.tenantId} and action = 'document.uploaded' and resource_id = ${documentId}`),
    );
    expect(audit[0]!.n).toBe(1);

    // Finishing again (a retry after a lost answer) changes nothing.
    const again = await patch(a.admin, created.id, data.length, new Uint8Array(0));
    expect(again.status).toBe(204);
    expect(again.headers.get('quire-document-id')).toBe(documentId);
  });

  it('uploads a new version of a document', async () => {
    const first = randomBytes(1000);
    const up = (await create(a.admin, first.length)).body;
    const documentId = (await patch(a.admin, up.id, 0, first)).headers.get('quire-document-id')!;
    const next = randomBytes(2 * MiB + 1);
    const v2 = (await create(a.admin, next.length, { query: `?documentId=${documentId}` })).body;
    const res = await patch(a.admin, v2.id, 0, next);
    expect(res.status).toBe(204);
    expect(res.headers.get('quire-document-id')).toBe(documentId);
    const versions = await call(cell, a.admin, 'GET', `/v1/documents/${documentId}/versions`);
    expect(versions.body.items).toHaveLength(2);
    const content = await cell.app.request(`/v1/documents/${documentId}/content`, {
      headers: a.admin.headers,
    });
    expect(sha(new Uint8Array(await content.arrayBuffer()))).toBe(sha(next));
  });

  it('refuses an upload bigger than the plan allows before any byte is stored (413)', async () => {
    const before = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from uploads where tenant_id = ${a.tenantId}`),
    );
    const { res, body: refused } = await create(a.admin, 50 * MiB + 1); // standard plan: 50 MB
    expect(res.status).toBe(413);
    expect(refused.error.code).toBe('payload_too_large');
    const after = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from uploads where tenant_id = ${a.tenantId}`),
    );
    expect(after[0]!.n).toBe(before[0]!.n);

    // A body longer than the declared length is refused too, and the upload stays where it was.
    const up = (await create(a.admin, 100)).body;
    const over = await patch(a.admin, up.id, 0, randomBytes(101));
    expect(over.status).toBe(413);
    expect((await head(a.admin, up.id)).headers.get('upload-offset')).toBe('0');
    expect((await patch(a.admin, up.id, 0, randomBytes(10), 'text/plain')).status).toBe(415);
    const bodiless = await cell.app.request(`/v1/uploads/${up.id}`, {
      method: 'PATCH',
      headers: {
        ...a.admin.headers,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
    });
    expect(bodiless.status).toBe(400); // bytes are missing: a body is required until the last one
    await cell.app.request(`/v1/uploads/${up.id}`, { method: 'DELETE', headers: a.admin.headers });
  });

  it('another tenant, or another user, cannot HEAD, PATCH or DELETE an upload (404)', async () => {
    const up = (await create(a.admin, 10)).body;
    const colleague = await buildUser(cell, a.admin, 'admin');
    for (const who of [b.admin, colleague]) {
      expect((await head(who, up.id)).status).toBe(404);
      expect((await call(cell, who, 'GET', `/v1/uploads/${up.id}`)).status).toBe(404);
      expect((await patch(who, up.id, 0, randomBytes(10))).status).toBe(404);
      expect(
        (await cell.app.request(`/v1/uploads/${up.id}`, { method: 'DELETE', headers: who.headers })).status,
      ).toBe(404);
    }
    expect((await head(a.admin, up.id)).status).toBe(200);
    const del = await cell.app.request(`/v1/uploads/${up.id}`, {
      method: 'DELETE',
      headers: a.admin.headers,
    });
    expect(del.status).toBe(204);
    expect((await head(a.admin, up.id)).status).toBe(404);
  });

  it('tenant B cannot see or write tenant A’s uploads or jobs at the SQL level (RLS)', async () => {
    const up = (await create(a.admin, 10)).body;
    await cell.deps.jobs.enqueue({ tenantId: a.tenantId, kind: 'rls-probe', payload: {} });
    const seen = await withTenantTx(cell.deps.db, b.tenantId, async (tx) => ({
      uploads: await tx.execute(sql`select id from uploads where tenant_id = ${a.tenantId} or id = ${up.id}`),
      jobs: await tx.execute(sql`select id from jobs where tenant_id = ${a.tenantId}`),
      all: await tx.execute(sql`select tenant_id from jobs union all select tenant_id from uploads`),
    }));
    expect(seen.uploads).toHaveLength(0);
    expect(seen.jobs).toHaveLength(0);
    expect(seen.all.every((r) => (r as { tenant_id: string }).tenant_id === b.tenantId)).toBe(true);
    await expect(
      withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.execute(sql`insert into jobs (tenant_id, queue, kind) values (${a.tenantId}, 'x', 'rls-probe')`),
      ),
    ).rejects.toThrow();
    await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`delete from jobs where tenant_id = ${a.tenantId} and kind = 'rls-probe'`),
    );
    await cell.app.request(`/v1/uploads/${up.id}`, { method: 'DELETE', headers: a.admin.headers });
  });

  it('an abandoned upload leaves no blob after the janitor', async () => {
    const up = (await create(a.admin, 3 * MiB)).body;
    await Promise.resolve(patch(a.admin, up.id, 0, body(randomBytes(3 * MiB), 2 * MiB + 10))).catch(
      () => undefined,
    );
    expect((await partFiles(a.tenantId, up.id)).length).toBe(2);
    await new Janitor(cell.deps, { graceMs: 3_600_000 }).runOnce();
    expect((await partFiles(a.tenantId, up.id)).length).toBe(2); // not expired yet: kept
    await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`update uploads set expires_at = now() - interval '1 second'
        where tenant_id = ${a.tenantId} and id = ${up.id}`),
    );
    expect((await head(a.admin, up.id)).status).toBe(404); // expired: gone for the client at once
    const pass = await new Janitor(cell.deps, { graceMs: 3_600_000 }).runOnce();
    expect(pass.expiredUploads).toBeGreaterThanOrEqual(1);
    expect(await partFiles(a.tenantId, up.id)).toEqual([]);
    const rows = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`select 1 from uploads where tenant_id = ${a.tenantId} and id = ${up.id}`),
    );
    expect(rows).toHaveLength(0);
  });

  it('concurrent uploads are limited by the plan (429 with limit, used, Retry-After); a lease nobody renews frees its slot', async () => {
    const t = await buildTenant(cell); // standard: 5 concurrent uploads
    const held = [];
    for (let i = 0; i < 5; i++) held.push((await create(t.admin, 100)).res.status);
    expect(held).toEqual([201, 201, 201, 201, 201]);
    const { res, body: refused } = await create(t.admin, 100);
    expect(res.status).toBe(429);
    expect(refused.error.code).toBe('limit_exceeded');
    expect(refused.error.details).toMatchObject({ limit: 5, used: 5 });
    expect(refused.error.details.retryAfter).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The single-request upload counts against the same slots.
    const single = await cell.app.request('/v1/documents', {
      method: 'POST',
      headers: {
        ...t.admin.headers,
        'content-type': 'text/plain',
        'upload-metadata': `filename ${b64('x.txt')}`,
      },
      body: 'x',
    });
    expect(single.status).toBe(429);
    // Nobody sends bytes (crashed clients): the leases expire (UPLOAD_SLOT_TTL_SECONDS=1 here).
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await create(t.admin, 100)).res.status).toBe(201);
  });
});
