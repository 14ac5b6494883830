import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  login,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { unzip } from '../../../test/support/zip.ts';
import { decryptStream } from '../../src/crypto/envelope.ts';
import { startCollabWorker } from '../../src/modules/collab-jobs/worker.ts';
import { uploadMetadata } from '../../src/modules/documents/upload-metadata.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';
import { runPortabilityExport } from '../../src/modules/portability/run.ts';

/**
 * Tenant offboarding in the cell: read-only grace, the customer export, then the purge of
 * every row, blob, index entry and Redis key, and crypto-shredding — while another tenant of
 * the same cell is untouched.
 */
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker>;
let su: postgres.Sql;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
const prefix = `quire-test-offboard-${process.pid}`;
const internal = { authorization: `Bearer ${INTERNAL_TOKEN}` };

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX: prefix });
  worker = startCollabWorker(cell.deps, {
    redisUrl: process.env.QUIRE_REDIS_URL!,
    queuePrefix: prefix,
    mailer: createMailer({ url: undefined, from: 'x <x@x.test>' }),
    concurrency: 2,
    emailSweepMs: 600_000,
    handlers: {
      'portability-export': (d) =>
        runPortabilityExport(cell.deps, { tenantId: d.tenantId!, exportId: d.exportId! }),
    },
  });
  su = superuserSql();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
});

afterAll(async () => {
  await worker?.stop();
  await su?.end();
  await cell?.close();
});

async function download(user: TestUser, path: string): Promise<Buffer> {
  const res = await cell.app.request(path, { headers: user.headers });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Every table with a tenant_id column, and how many rows of `tenantId` each holds (superuser: no RLS). */
async function rowsOf(tenantId: string): Promise<Record<string, number>> {
  const tables = await su<{ table_name: string }[]>`
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'`;
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [r] = await su.unsafe(`select count(*)::int as n from "${table_name}" where tenant_id = $1`, [
      tenantId,
    ]);
    if (r!.n > 0) out[table_name] = r!.n;
  }
  const [t] = await su`select count(*)::int as n from tenants where id = ${tenantId}`;
  if (t!.n > 0) out.tenants = t!.n;
  return out;
}

/** Every key of the cell's Redis whose name or serialized value (DUMP, as the residency test reads it) names the tenant. */
async function redisKeysOf(tenantId: string): Promise<string[]> {
  const redis = new Redis(process.env.QUIRE_REDIS_URL!);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const value = await redis.dumpBuffer(key);
        if (key.includes(tenantId) || value?.includes(tenantId)) found.push(key);
      }
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

describe('tenant offboarding in the cell', () => {
  let docA: string;
  let docB: string;
  let copiedBlob: Buffer;
  let copiedVersion: { wrapped_key: Buffer; blob_key: string; id: string };

  it('has a workload in both tenants', async () => {
    const up = await uploadDoc(cell, a.admin, 'contract of tenant A, version one', { filename: 'a.txt' });
    expect(up.status).toBe(201);
    docA = up.body.document.id;
    const v2 = await cell.app.request(`/v1/documents/${docA}/versions`, {
      method: 'POST',
      headers: {
        ...a.admin.headers,
        'content-type': 'text/plain',
        'upload-metadata': uploadMetadata({ filename: 'a.txt' }),
      },
      body: 'contract of tenant A, version two',
    });
    expect(v2.status).toBe(201);
    const comment = await call(cell, a.admin, 'POST', `/v1/documents/${docA}/comments`, {
      body: 'looks fine',
    });
    expect(comment.status).toBe(201);
    const upB = await uploadDoc(cell, b.admin, 'tenant B keeps this', { filename: 'b.txt' });
    expect(upB.status).toBe(201);
    docB = upB.body.document.id;
    // Keys of A exist in Redis, and a job id naming A in a shared collection (as BullMQ's failed set).
    await cell.deps.redis.set(`quire:us-1:probe:${a.tenantId}`, '1');
    await cell.deps.redis.zadd(
      `${prefix}:probe:failed`,
      1,
      `bulk-${a.tenantId}-blk_x`,
      2,
      'another-tenant-job',
    );
    expect((await redisKeysOf(a.tenantId)).length).toBeGreaterThan(0);
  });

  it('a blob of A copied aside (a "backup") before offboarding', async () => {
    const [v] = await su<{ wrapped_key: Buffer; blob_key: string; id: string }[]>`
      select wrapped_key, blob_key, id from document_versions where tenant_id = ${a.tenantId} order by number limit 1`;
    copiedVersion = v!;
    copiedBlob = readFileSync(join(cell.dir, 'blobs', v!.blob_key));
    // Readable now, with the tenant's key.
    const key = await cell.deps.keyring.unwrapDataKey(a.tenantId, v!.wrapped_key);
    expect(key.length).toBe(32);
  });

  it('starting offboarding makes A read-only and makes its export; B is unaffected', async () => {
    const res = await cell.app.request(`/internal/v1/tenants/${a.tenantId}/offboarding`, {
      method: 'POST',
      headers: internal,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tenant: { status: string }; exportId: string };
    expect(body.tenant.status).toBe('offboarding');
    expect(body.exportId).toMatch(/^pex_/);
    // Again: the same export.
    const again = await cell.app.request(`/internal/v1/tenants/${a.tenantId}/offboarding`, {
      method: 'POST',
      headers: internal,
    });
    expect(((await again.json()) as { exportId: string }).exportId).toBe(body.exportId);

    // Reads work, changes are refused with a clear code; signing in still works.
    expect((await call(cell, a.admin, 'GET', `/v1/documents/${docA}`)).status).toBe(200);
    const write = await uploadDoc(cell, a.admin, 'no more', { filename: 'x.txt' });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('tenant_offboarding');
    const rename = await call(cell, a.admin, 'PATCH', `/v1/documents/${docA}`, { title: 'x' });
    expect(rename.body.error.code).toBe('tenant_offboarding');
    const email = `admin@${a.tenantId.replace('_', '-')}.test`;
    a.admin = await login(cell, a.tenantId, email, 'correct horse battery staple');
    expect((await uploadDoc(cell, b.admin, 'B still writes', { filename: 'b2.txt' })).status).toBe(201);

    // The customer's export: the whole tenant, made in the background, downloadable by its admin.
    const done = await eventually(async () => {
      const r = await call(cell, a.admin, 'GET', `/v1/exports/${body.exportId}`);
      return r.body.status === 'done' ? r.body : r.body.status === 'failed' ? r.body : undefined;
    }, 'offboarding export done');
    expect(done.status).toBe('done');
    expect(done.reason).toBe('offboarding');
    const zip = await unzip(await download(a.admin, done.downloadUrl));
    const manifest = JSON.parse(zip.get('manifest.json')!.toString());
    expect(manifest.scope).toBe('tenant');
    expect(manifest.documents.map((d: { id: string }) => d.id)).toEqual([docA]);
    expect(manifest.documents[0].versions).toHaveLength(2);
    expect(zip.get(manifest.documents[0].versions[1].file)!.toString()).toBe(
      'contract of tenant A, version two',
    );
    expect(manifest.comments).toHaveLength(1);
    // B's admin cannot see A's export.
    expect((await call(cell, b.admin, 'GET', `/v1/exports/${body.exportId}`)).status).toBe(404);
  });

  it('the purge deletes every row, blob, index entry and Redis key of A, then destroys its key', async () => {
    expect(Object.keys(await rowsOf(a.tenantId)).length).toBeGreaterThan(5);
    const res = await cell.app.request(`/internal/v1/tenants/${a.tenantId}`, {
      method: 'DELETE',
      headers: internal,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { state: string; summary: Record<string, unknown> };
    expect(body.state).toBe('deleted');
    expect(body.summary).toMatchObject({ documents: 1, versions: 2, comments: 1, keyDestroyed: 'yes' });
    // The anonymised summary holds counts and dates only.
    expect(JSON.stringify(body.summary)).not.toMatch(/@|contract|looks fine/);

    // Postgres: nothing of A but its tombstone.
    expect(await rowsOf(a.tenantId)).toEqual({ tenant_tombstones: 1 });
    // Blobs (document versions, derived text and previews, exports): none under tenants/A.
    const dir = join(cell.dir, 'blobs', 'tenants', a.tenantId);
    expect(existsSync(dir) ? readdirSync(dir, { recursive: true }) : []).toEqual([]);
    const left = [];
    for await (const item of cell.deps.blobs.list(`tenants/${a.tenantId}`)) left.push(item.key);
    expect(left).toEqual([]);
    // Redis: no key naming A, no value holding its id; another tenant's member stays.
    expect(await redisKeysOf(a.tenantId)).toEqual([]);
    expect(await cell.deps.redis.zrange(`${prefix}:probe:failed`, '0', '-1')).toEqual(['another-tenant-job']);
    await cell.deps.redis.del(`${prefix}:probe:failed`);
    // Search: no entry of A.
    const [s] = await su`select count(*)::int as n from search_documents where tenant_id = ${a.tenantId}`;
    expect(s!.n).toBe(0);

    // Again: the same answer (idempotent).
    const again = await cell.app.request(`/internal/v1/tenants/${a.tenantId}`, {
      method: 'DELETE',
      headers: internal,
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { state: string }).state).toBe('deleted');
  });

  it('crypto-shredding: the blob copied aside can no longer be decrypted', async () => {
    await expect(cell.deps.keyring.unwrapDataKey(a.tenantId, copiedVersion.wrapped_key)).rejects.toThrow(
      /no key|destroyed/,
    );
    // Not even after a new key is made for the same tenant id.
    await cell.deps.keyring.ensureTenantKey(a.tenantId);
    await expect(cell.deps.keyring.unwrapDataKey(a.tenantId, copiedVersion.wrapped_key)).rejects.toThrow();
    await cell.deps.keyring.destroyTenantKey(a.tenantId);
    // And the ciphertext without its key is just noise: a wrong key fails authentication.
    const wrong = Buffer.alloc(32, 7);
    const decipher = decryptStream(wrong, `quire/v1/${a.tenantId}/versions/${copiedVersion.id}`);
    await expect(
      (async () => {
        for await (const _ of Readable.from([copiedBlob]).pipe(decipher));
      })(),
    ).rejects.toThrow();
  });

  it('a tenant that is not offboarding is never purged', async () => {
    const res = await cell.app.request(`/internal/v1/tenants/${b.tenantId}`, {
      method: 'DELETE',
      headers: internal,
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.details.reason).toBe('not_offboarding');
  });

  it('A is gone for its users; B is untouched', async () => {
    const res = await call(cell, a.admin, 'GET', `/v1/documents/${docA}`);
    expect(res.status).toBe(421);
    const got = await download(b.admin, `/v1/documents/${docB}/content`);
    expect(got.toString()).toBe('tenant B keeps this');
    expect(Object.keys(await rowsOf(b.tenantId))).toContain('documents');
  });
});
