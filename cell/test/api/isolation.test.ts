import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { uploadMetadata } from '../../src/modules/documents/upload-metadata.ts';

let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let docA: string;
let folderA: string;

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  folderA = (await call(cell, a.admin, 'POST', '/v1/folders', { name: 'Contracts' })).body.id;
  const up = await uploadDoc(cell, a.admin, 'tenant A secret contract', { folderId: folderA });
  expect(up.status).toBe(201);
  docA = up.body.document.id;
});
afterAll(async () => cell.close());

describe('tenant B cannot reach tenant A through any route (guessing ids)', () => {
  const cases: Array<[string, string, () => string, (() => unknown)?]> = [
    ['read document', 'GET', () => `/v1/documents/${docA}`],
    ['list versions', 'GET', () => `/v1/documents/${docA}/versions`],
    ['download', 'GET', () => `/v1/documents/${docA}/content`],
    ['update metadata', 'PATCH', () => `/v1/documents/${docA}`, () => ({ title: 'pwned' })],
    ['move document', 'PATCH', () => `/v1/documents/${docA}`, () => ({ folderId: null })],
    ['trash document', 'DELETE', () => `/v1/documents/${docA}`],
    ['read folder', 'GET', () => `/v1/folders/${folderA}`],
    ['list folder', 'GET', () => `/v1/folders/${folderA}/children`],
    ['subtree', 'GET', () => `/v1/folders/${folderA}/descendants`],
    ['rename folder', 'PATCH', () => `/v1/folders/${folderA}`, () => ({ name: 'x' })],
    ['delete folder', 'DELETE', () => `/v1/folders/${folderA}`],
    ['create folder inside', 'POST', () => '/v1/folders', () => ({ name: 'x', parentId: folderA })],
    [
      'grant on A’s document',
      'POST',
      () => '/v1/grants',
      () => ({
        resourceType: 'document',
        resourceId: docA,
        principalType: 'user',
        principalId: b.admin.userId,
        role: 'owner',
      }),
    ],
    ['list grants on A’s folder', 'GET', () => `/v1/grants?resourceType=folder&resourceId=${folderA}`],
    [
      'roll back A’s document',
      'POST',
      () => `/v1/documents/${docA}/versions/ver_0000000000000000000000000/restore`,
    ],
    ['permanently delete A’s document', 'DELETE', () => `/v1/documents/${docA}/permanent`],
  ];
  it.each(cases)('%s → 404', async (_name, method, path, body) => {
    const res = await call(cell, b.admin, method, path(), body?.());
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('upload a new version of A’s document → 404', async () => {
    const res = await cell.app.request(`/v1/documents/${docA}/versions`, {
      method: 'POST',
      headers: { ...b.admin.headers, 'upload-metadata': uploadMetadata({ filename: 'x.txt' }) },
      body: 'x',
    });
    expect(res.status).toBe(404);
  });

  it('B’s root listing shows none of A’s content, and A’s document is untouched', async () => {
    const list = await call(cell, b.admin, 'GET', '/v1/folders/root/children');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    const mine = await call(cell, a.admin, 'GET', `/v1/documents/${docA}`);
    expect(mine.body.title).toBe('file.txt');
    expect(mine.body.trashedAt).toBeNull();
  });
});

describe('row-level security alone', () => {
  it('raw SQL without WHERE inside a tenant transaction returns only that tenant’s rows', async () => {
    await uploadDoc(cell, b.admin, 'tenant B file');
    await call(cell, b.admin, 'POST', '/v1/folders', { name: 'B folder' });
    for (const table of [
      'documents',
      'document_versions',
      'folders',
      'users',
      'grants',
      'audit_log',
      'tenants',
      'sessions',
    ]) {
      const tenantCol = table === 'tenants' ? 'id' : 'tenant_id';
      const rows = await withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.execute<{ t: string }>(sql.raw(`select distinct ${tenantCol} as t from ${table}`)),
      );
      expect(
        rows.map((r) => r.t),
        table,
      ).toEqual([b.tenantId]);
    }
  });

  it('without a tenant setting the app role sees no rows at all', async () => {
    const rows = await cell.deps.db.execute<{ n: string }>(sql`select count(*)::text as n from documents`);
    expect(rows[0]!.n).toBe('0');
  });

  it('a tenant cannot insert a row for another tenant', async () => {
    await expect(
      withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.execute(
          sql`insert into groups (tenant_id, id, name) values (${a.tenantId}, 'grp_x', 'intruders')`,
        ),
      ),
    ).rejects.toThrow();
  });

  it('the app role cannot update or delete audit entries', async () => {
    await expect(
      withTenantTx(cell.deps.db, a.tenantId, (tx) => tx.execute(sql`update audit_log set action = 'x'`)),
    ).rejects.toThrow();
    await expect(
      withTenantTx(cell.deps.db, a.tenantId, (tx) => tx.execute(sql`delete from audit_log`)),
    ).rejects.toThrow();
  });

  it('withTenantTx refuses an empty tenant', async () => {
    await expect(withTenantTx(cell.deps.db, '', async () => 1)).rejects.toThrow(/tenant/);
  });
});
