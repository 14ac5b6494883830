import { silentLogger } from '@quire/shared/log';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import {
  buildTenant,
  buildUser,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { AuditSealer } from '../../src/modules/audit/sealer.ts';

let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let docId: string;

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  docId = (await uploadDoc(cell, a.admin, 'audited')).body.document.id;
  await cell.app.request(`/v1/documents/${docId}/content`, {
    headers: { ...a.admin.headers, 'user-agent': 'audit-test/1.0' },
  });
});
afterAll(async () => cell.close());

describe('audit log', () => {
  it('records uploads and downloads with actor, resource, request id and user agent', async () => {
    const res = await call(cell, a.admin, 'GET', `/v1/audit?resourceId=${docId}`);
    expect(res.status).toBe(200);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['document.uploaded', 'document.downloaded']));
    const dl = res.body.items.find((e: { action: string }) => e.action === 'document.downloaded');
    expect(dl.actor).toEqual({ type: 'user', id: a.admin.userId });
    expect(dl.userAgent).toBe('audit-test/1.0');
    expect(dl.requestId).toMatch(/^req_/);
  });

  it('paginates with a cursor and filters by action', async () => {
    const first = await call(cell, a.admin, 'GET', '/v1/audit?limit=2');
    expect(first.body.items).toHaveLength(2);
    const next = await call(cell, a.admin, 'GET', `/v1/audit?limit=2&before=${first.body.nextBefore}`);
    expect(next.body.items[0].id).toBeLessThan(first.body.items[1].id);
    const logins = await call(cell, a.admin, 'GET', '/v1/audit?action=auth.login');
    expect(logins.body.items.every((e: { action: string }) => e.action === 'auth.login')).toBe(true);
  });

  it('tenant B’s admin sees none of tenant A’s entries, even filtering by A’s ids', async () => {
    const res = await call(cell, b.admin, 'GET', `/v1/audit?resourceId=${docId}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    const all = await call(cell, b.admin, 'GET', '/v1/audit?limit=500');
    expect(JSON.stringify(all.body)).not.toContain(a.tenantId);
    // B's log holds B's own query (with the id B typed) and B's denied attempt, nothing of A's.
    const foreign = all.body.items.filter(
      (e: { action: string }) => !['audit.queried', 'access.denied'].includes(e.action),
    );
    expect(JSON.stringify(foreign)).not.toContain(docId);
    expect(all.body.items.every((e: { actor: { id: string } }) => e.actor.id !== a.admin.userId)).toBe(true);
  });

  it('non-admins cannot read the audit log', async () => {
    const editor = await buildUser(cell, a.admin, 'editor');
    expect((await call(cell, editor, 'GET', '/v1/audit')).status).toBe(403);
    expect((await call(cell, editor, 'GET', '/v1/audit/verify')).status).toBe(403);
  });

  it('the chain verifies, and tampering by a privileged hand is detected', async () => {
    // The sealer chains an entry once every transaction older than it has ended.
    const sealer = new AuditSealer(cell.deps.db.$client, silentLogger);
    const ok = await eventually(async () => {
      await sealer.sealNow();
      const res = await call(cell, a.admin, 'GET', '/v1/audit/verify');
      return res.body.unsealed === 0 && res.body.checked > 3 && res; // tampering before sealing is out of the chain's reach
    }, 'every entry of tenant A sealed');
    expect(ok.body.ok).toBe(true);
    // Only a superuser disabling the trigger can change a row: the chain still exposes it.
    const admin = superuserSql();
    try {
      await admin.begin(async (tx) => {
        await tx`alter table audit_log disable trigger audit_log_no_update`;
        await tx`update audit_log set action = 'document.viewed' where tenant_id = ${a.tenantId} and action = 'document.downloaded'`;
        await tx`alter table audit_log enable trigger audit_log_no_update`;
      });
    } finally {
      await admin.end();
    }
    const bad = await call(cell, a.admin, 'GET', '/v1/audit/verify');
    expect(bad.body.ok).toBe(false);
    expect(bad.body.firstBrokenSeq).toBeGreaterThan(0);
    const otherTenant = await call(cell, b.admin, 'GET', '/v1/audit/verify');
    expect(otherTenant.body.ok).toBe(true);
  });

  it('denied attempts are audited in the tenant of the caller', async () => {
    await call(cell, b.admin, 'GET', `/v1/documents/${docId}`);
    const rows = await withTenantTx(cell.deps.db, b.tenantId, (tx) =>
      tx.execute<{ resource_id: string }>(
        sql`select resource_id from audit_log where action = 'access.denied'`,
      ),
    );
    expect(rows.map((r) => r.resource_id)).toContain(docId);
  });
});
