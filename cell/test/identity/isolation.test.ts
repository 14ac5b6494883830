import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { enrolTotp } from '../../../test/support/identity.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';

/**
 * Identity tables at the SQL level: every table with a tenant_id has row-level security
 * enabled and forced (a catalogue check, so a new table cannot forget it), and tenant B's
 * transaction sees none of tenant A's sessions, factors, recovery codes, settings, SSO
 * connections, identities or alerts, even asking for them by tenant id.
 */
/** Tenant tables allowed to differ from ENABLE + FORCE, each with its reason (migration 0002). */
const EXCEPTIONS: Record<string, { enabled: boolean; forced: boolean; why: string }> = {
  // The owner-defined search_match() plans full-text conditions over the GIN index and applies
  // the tenant predicate itself; the app role is still filtered by the policy.
  search_documents: { enabled: true, forced: false, why: 'search index, cell/src/modules/search/README.md' },
  // The search doorbell: tenant ids and counters only, read by the worker across tenants.
  search_outbox_tenants: { enabled: false, forced: false, why: 'ids and counters only' },
};

let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  await enrolTotp(cell, a.admin);
  await call(cell, a.admin, 'PUT', '/v1/identity/settings', {
    mfaRequired: 'admins',
    ssoUnavailableMinutes: 5,
  });
  await call(cell, a.admin, 'POST', '/v1/me/api-tokens', { name: 'a', scopes: ['documents:read'] });
});
afterAll(async () => cell.close());

describe('row-level security on identity data', () => {
  it('every table with a tenant_id column has RLS enabled and forced', async () => {
    const sql = superuserSql();
    try {
      const rows = await sql<{ table: string; enabled: boolean; forced: boolean }[]>`
        select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`;
      expect(rows.length).toBeGreaterThan(15);
      for (const r of rows) {
        const expected = EXCEPTIONS[r.table] ?? { enabled: true, forced: true };
        expect(r, r.table).toMatchObject({ enabled: expected.enabled, forced: expected.forced });
      }
    } finally {
      await sql.end();
    }
  });

  it('tenant B’s transaction sees none of tenant A’s identity rows', async () => {
    const tables = [
      'sessions',
      'refresh_tokens',
      'mfa_factors',
      'mfa_recovery_codes',
      'identity_settings',
      'sso_connections',
      'user_identities',
      'admin_alerts',
    ];
    for (const table of tables) {
      const seenByA = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
        tx.conn.unsafe(`select count(*)::int as n from ${table} where tenant_id = $1`, [a.tenantId]),
      );
      const seenByB = await withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.conn.unsafe(`select count(*)::int as n from ${table} where tenant_id = $1`, [a.tenantId]),
      );
      expect(seenByB[0]!.n, table).toBe(0);
      if (
        ['sessions', 'refresh_tokens', 'mfa_factors', 'mfa_recovery_codes', 'identity_settings'].includes(
          table,
        )
      )
        expect(seenByA[0]!.n, table).toBeGreaterThan(0);
    }
  });

  it('tenant B cannot write identity rows for tenant A', async () => {
    await expect(
      withTenantTx(
        cell.deps.db,
        b.tenantId,
        (tx) =>
          tx.conn`insert into identity_settings (tenant_id, mfa_required) values (${a.tenantId}, 'off')`,
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('session_actor() finds nothing of tenant A inside tenant B', async () => {
    const rows = await withTenantTx(cell.deps.db, b.tenantId, async (tx) => {
      const [s] = await tx.conn<{ id: string; user_id: string }[]>`select id, user_id from sessions limit 1`;
      return tx.conn`select * from session_actor(${a.admin.userId}, ${s?.id ?? 'ses_x'})`;
    });
    expect(rows).toHaveLength(0);
  });
});
