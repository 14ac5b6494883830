import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  buildUser,
  call,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { heartbeatUsage, usageFigures } from '../../src/modules/quotas/figures.ts';
import { reconcileUsage } from '../../src/modules/quotas/reconcile.ts';
import { countBlobs, Overrides } from './support.ts';

/**
 * Plan quotas counted in the transaction of the change (storage bytes, documents, users):
 * refusals carry the shared error shape with { resource, limit, used }, leave nothing behind
 * (rows rolled back, blob deleted), and racing for the last unit exactly the limit wins.
 */
let cell: TestCell;
let overrides: Overrides;

beforeAll(async () => {
  cell = await startTestCell();
  overrides = new Overrides(cell);
});
afterAll(async () => {
  await cell?.close();
});

const bytes = (n: number, fill = 'x') => fill.repeat(n);

async function usageOf(user: TestUser) {
  const res = await call(cell, user, 'GET', '/v1/usage');
  expect(res.status).toBe(200);
  type Line = { resource: string; used: number | null; limit: number | null };
  return Object.fromEntries((res.body.quotas as Line[]).map((q) => [q.resource, q])) as Record<
    string,
    Line
  > & { storage: Line; documents: Line; users: Line };
}

describe('documents quota', () => {
  it('refuses the upload past the limit with 403 quota_exceeded and its details, keeping no blob', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    await overrides.set(tenantId, { documents: 3 });
    for (let i = 0; i < 3; i++) expect((await uploadDoc(cell, admin, `doc ${i}`)).status).toBe(201);
    const refused = await uploadDoc(cell, admin, 'one too many');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'quota_exceeded',
      details: { resource: 'documents', limit: 3, used: 3 },
    });
    expect(refused.body.error.requestId).toBeTruthy();
    expect(await countBlobs(cell, tenantId)).toBe(3);
    // A new version adds no document: still allowed.
    const first = (await call(cell, admin, 'GET', '/v1/folders/root/children')).body.items[0];
    const version = await cell.app.request(`/v1/documents/${first.id}/versions`, {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': 'text/plain', 'upload-metadata': 'filename ZC50eHQ=' },
      body: 'v2',
    });
    expect(version.status).toBe(201);
  });

  it('racing for the last units, exactly the limit succeeds; the losers leave no blob and no row', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    // Enough concurrent-upload slots for all twelve: the race is for the documents quota.
    await overrides.set(tenantId, { documents: 4, concurrentUploads: 100 });
    // Each upload passes the early look (nothing stored yet) and races in its commit.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => uploadDoc(cell, admin, bytes(100 + i))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(statuses.filter((s) => s === 403)).toHaveLength(8);
    for (const r of results.filter((x) => x.status === 403))
      expect(r.body.error).toMatchObject({
        code: 'quota_exceeded',
        details: { resource: 'documents', limit: 4 },
      });
    expect(await countBlobs(cell, tenantId)).toBe(4);
    const usage = await usageOf(admin);
    expect(usage.documents).toMatchObject({ used: 4, limit: 4 });
    const report = await reconcileUsage(cell.deps.db, tenantId, false);
    expect(report.drift).toEqual({ storage: 0, documents: 0, users: 0 });
  });
});

describe('storage quota and the largest file', () => {
  it('counts every version’s bytes, refuses past the limit and frees them on permanent delete', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    // 2,500 bytes of storage.
    await overrides.set(tenantId, { storageGb: 2500 / 1024 ** 3 });
    const a = await uploadDoc(cell, admin, bytes(1000));
    const b = await uploadDoc(cell, admin, bytes(1000));
    expect([a.status, b.status]).toEqual([201, 201]);
    const refused = await uploadDoc(cell, admin, bytes(1000));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'quota_exceeded',
      details: { resource: 'storage', limit: 2500, used: 2000 },
    });
    const version = (body: string) =>
      cell.app.request(`/v1/documents/${a.body.document.id}/versions`, {
        method: 'POST',
        headers: { ...admin.headers, 'content-type': 'text/plain', 'upload-metadata': 'filename YS50eHQ=' },
        body,
      });
    expect((await version(bytes(400))).status).toBe(201);
    const full = await version(bytes(400));
    expect(full.status).toBe(403);
    expect(((await full.json()) as any).error.details).toMatchObject({ resource: 'storage', used: 2400 });
    expect(await countBlobs(cell, tenantId)).toBe(3);

    // Trash, then delete for good: its two versions' bytes and the document come back.
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${a.body.document.id}`)).status).toBe(200);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${a.body.document.id}/permanent`)).status).toBe(
      204,
    );
    const usage = await usageOf(admin);
    expect(usage.storage).toMatchObject({ used: 1000, limit: 2500 });
    expect(usage.documents).toMatchObject({ used: 1 });
    expect((await uploadDoc(cell, admin, bytes(1500))).status).toBe(201);
  });

  it('answers 413 with the plan’s largest file, storing nothing', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    await overrides.set(tenantId, { maxFileSizeMb: 1 / 1024 }); // 1,024 bytes
    const declared = await uploadDoc(cell, admin, bytes(2000));
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatchObject({
      code: 'payload_too_large',
      details: { resource: 'fileSize', limit: 1024 },
    });
    // Without a declared length the stream is cut at the limit.
    const streamed = await cell.app.request('/v1/documents', {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': 'text/plain', 'upload-metadata': 'filename Yi50eHQ=' },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(bytes(600)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as any).error.details).toMatchObject({
      resource: 'fileSize',
      limit: 1024,
    });
    expect(await countBlobs(cell, tenantId)).toBe(0);
    expect((await usageOf(admin)).storage.used).toBe(0);
  });
});

describe('users quota', () => {
  it('racing for the last seat, exactly one user is created', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    await overrides.set(tenantId, { users: 2 }); // the admin holds one
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(cell, admin, 'POST', '/v1/users', {
          email: `seat-${i}@quota.example`,
          name: `Seat ${i}`,
          role: 'viewer',
          password: 'a long enough password',
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 403);
    expect(refused).toHaveLength(5);
    expect(refused[0]!.body.error).toMatchObject({
      code: 'quota_exceeded',
      details: { resource: 'users', limit: 2, used: 2 },
    });
    expect((await usageOf(admin)).users).toMatchObject({ used: 2, limit: 2 });
  });
});

describe('GET /v1/usage', () => {
  it('lists every quota of the plan for admins; refuses others; shows only the caller’s tenant', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell, 'professional');
    await uploadDoc(cell, a.admin, bytes(321));
    const usage = await usageOf(a.admin);
    expect(Object.keys(usage).sort()).toEqual(
      [
        'apiCallsPerMinute',
        'concurrentUploads',
        'documents',
        'exportDocsPerHour',
        'maxFileSize',
        'searchCallsPerMinute',
        'searchTimeoutSeconds',
        'storage',
        'users',
      ].sort(),
    );
    expect(usage.storage).toMatchObject({ used: 321, limit: 100 * 1024 ** 3, unit: 'bytes' });
    expect(usage.documents).toMatchObject({ used: 1, limit: 100_000 });
    expect(usage.maxFileSize).toMatchObject({ limit: 50 * 1024 * 1024, used: null });
    // Tenant B sees its own figures, none of A's.
    const other = await usageOf(b.admin);
    expect(other.documents).toMatchObject({ used: 0, limit: 1_000_000 });
    expect(other.storage.used).toBe(0);
    // Not an admin: refused.
    const editor = await buildUser(cell, a.admin, 'editor');
    const refused = await call(cell, editor, 'GET', '/v1/usage');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    // At the SQL level, under B's setting, A's usage row does not exist.
    const seen = await withTenantTx(cell.deps.db, b.tenantId, (tx) =>
      tx.execute(sql`select tenant_id from tenant_usage`),
    );
    expect(seen.map((r: any) => r.tenant_id)).toEqual([b.tenantId]);
    const forged = withTenantTx(cell.deps.db, b.tenantId, (tx) =>
      tx.execute(sql`insert into tenant_usage (tenant_id) values (${a.tenantId})`),
    );
    await expect(forged).rejects.toThrow();
  });
});

describe('reconcile and the control plane’s figures', () => {
  it('reports drift, fixes it, and the heartbeat carries numbers only', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    await uploadDoc(cell, admin, bytes(50));
    await uploadDoc(cell, admin, bytes(70));
    const clean = await reconcileUsage(cell.deps.db, tenantId, false);
    expect(clean.stored).toEqual({ storage: 120, documents: 2, users: 1 });
    expect(clean.drift).toEqual({ storage: 0, documents: 0, users: 0 });
    // Forge drift (as a crash could not, but a restore or a bug might).
    await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute(sql`update tenant_usage set documents = 9, storage_bytes = 5 where tenant_id = ${tenantId}`),
    );
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['cell/src/modules/quotas/reconcile-cli.ts', '--tenant', tenantId, ...args],
        {
          env: {
            ...process.env,
            CELL_ID: 'us-1',
            CELL_REGION: 'us',
            DATABASE_URL: process.env.QUIRE_TEST_DATABASE_URL,
            REDIS_URL: process.env.QUIRE_REDIS_URL,
            JWT_ISSUER: 'https://us-1.cells.test',
            SIGNING_KEY_FILE: `${cell.dir}/signing-keys.json`,
            BLOB_DIR: `${cell.dir}/blobs`,
            KEYRING_DIR: `${cell.dir}/keyring`,
            INTERNAL_API_TOKEN: INTERNAL_TOKEN,
          },
          encoding: 'utf8',
        },
      );
    const report = cli();
    expect(report.status, report.stderr).toBe(1);
    expect(JSON.parse(report.stdout)).toMatchObject({
      stored: { documents: 9, storage: 5 },
      counted: { documents: 2, storage: 120 },
      drift: { documents: -7, storage: 115, users: 0 },
      fixed: false,
    });
    const fixed = cli('--fix');
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout).fixed).toBe(true);
    expect((await reconcileUsage(cell.deps.db, tenantId, false)).drift).toEqual({
      storage: 0,
      documents: 0,
      users: 0,
    });
    expect(cli('--bogus').status).toBe(2);

    const figures = heartbeatUsage(await usageFigures(cell.deps.db)).find((f) => f.tenantId === tenantId);
    expect(figures).toEqual({ tenantId, storageBytes: 120, documents: 2, users: 1 });
  });
});
