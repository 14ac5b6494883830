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
import { superuserSql } from '../../../test/support/superuser.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';

/**
 * Row-level security at the SQL level: every table holding tenant rows has RLS enabled and
 * forced (a catalogue check over the whole database, with a commented allow-list), and under
 * tenant B's setting none of tenant A's collaboration rows is visible or writable.
 */
const NOT_FORCED: Record<string, string> = {
  search_documents:
    'RLS enabled, not forced: the owner-defined search_match() plans over its GIN index (migration 0002)',
  search_outbox_tenants:
    'tenant ids and counters only, no content: the worker finds work through it (migration 0002)',
};

const COLLABORATION_TABLES = [
  'comments',
  'comment_revisions',
  'comment_mentions',
  'notifications',
  'notification_preferences',
  'share_links',
  'access_requests',
  'bulk_jobs',
  'bulk_job_items',
  'webhooks',
  'webhook_deliveries',
];

let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  // A row in each collaboration table for tenant A.
  const doc = (await uploadDoc(cell, a.admin, 'rls')).body.document.id;
  const c = await call(cell, a.admin, 'POST', `/v1/documents/${doc}/comments`, {
    body: `first @[${a.admin.userId}]`,
  });
  await call(cell, a.admin, 'PATCH', `/v1/comments/${c.body.id}`, { body: 'second' });
  await call(cell, a.admin, 'POST', `/v1/documents/${doc}/comments`, {
    body: `@[${a.admin.userId}] mention`,
  });
  await call(cell, a.admin, 'PUT', '/v1/notifications/preferences', {
    items: [{ kind: 'share', inApp: true, email: 'off' }],
  });
  await call(cell, a.admin, 'POST', '/v1/share-links', { resourceType: 'document', resourceId: doc });
  const user = await call(cell, a.admin, 'POST', '/v1/users', {
    email: 'asker@rls.example',
    name: 'Asker',
    role: 'viewer',
    password: 'a long enough password',
  });
  const login = await cell.app.request('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId: a.tenantId,
      email: 'asker@rls.example',
      password: 'a long enough password',
    }),
  });
  const token = ((await login.json()) as any).accessToken;
  await call(
    cell,
    { tenantId: a.tenantId, userId: user.body.id, token, headers: { authorization: `Bearer ${token}` } },
    'POST',
    '/v1/access-requests',
    {
      resourceType: 'document',
      resourceId: doc,
    },
  );
  await call(cell, a.admin, 'POST', '/v1/bulk-jobs', {
    kind: 'tag',
    items: [{ type: 'document', id: doc }],
    tags: { add: ['x'] },
  });
  // Webhooks need a public https target; this row is written directly (as the app role, under A's setting).
  await withTenantTx(cell.deps.db, a.tenantId, async (tx) => {
    await tx.execute(sql`insert into webhooks (tenant_id, id, url, events, secret_ciphertext, secret_wrapped_key, secret_key_ref, created_by)
      values (${a.tenantId}, 'whk_rls0000000000000000000000', 'https://example.com/h', '{comment.created}', '\\x00', '\\x00', 'k', ${a.admin.userId})`);
    await tx.execute(sql`insert into webhook_deliveries (tenant_id, id, webhook_id, event, payload)
      values (${a.tenantId}, 'dlv_rls', 'whk_rls0000000000000000000000', 'comment.created', '{}')`);
  });
});
afterAll(async () => cell.close());

describe('row-level security', () => {
  it('every table with a tenant_id column has RLS enabled and forced (or is on the commented allow-list)', async () => {
    const su = superuserSql();
    try {
      const rows = await su<{ table: string; enabled: boolean; forced: boolean }[]>`
        select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`;
      expect(rows.length).toBeGreaterThan(20);
      const bad = rows.filter((r) => !(r.enabled && r.forced) && !NOT_FORCED[r.table]).map((r) => r.table);
      expect(bad).toEqual([]);
      for (const t of COLLABORATION_TABLES)
        expect(rows.find((r) => r.table === t)).toMatchObject({ enabled: true, forced: true });
    } finally {
      await su.end();
    }
  });

  it("tenant B's transactions see none of tenant A's collaboration rows, and cannot change them", async () => {
    for (const table of COLLABORATION_TABLES) {
      const mine = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
        tx.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}`),
      );
      expect(mine[0]!.n, `${table} has rows of A`).toBeGreaterThan(0);
      const theirs = await withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.execute<{ n: number }>(
          sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${a.tenantId}`,
        ),
      );
      expect(theirs[0]!.n, `${table} seen by B`).toBe(0);
      // comment_mentions is insert/delete only for the app role (least privilege).
      const changed = await withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        table === 'comment_mentions'
          ? tx.execute(sql`delete from comment_mentions where tenant_id = ${a.tenantId}`)
          : tx.execute(
              sql`update ${sql.identifier(table)} set tenant_id = tenant_id where tenant_id = ${a.tenantId}`,
            ),
      );
      expect(changed.count, `${table} updated by B`).toBe(0);
    }
  });

  it("B cannot insert a row naming A's tenant", async () => {
    await expect(
      withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.execute(
          sql`insert into notification_preferences (tenant_id, user_id, kind) values (${a.tenantId}, ${a.admin.userId}, 'share')`,
        ),
      ),
    ).rejects.toThrow();
  });
});
