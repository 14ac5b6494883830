import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import { buildTenant, call } from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { auditEntry } from '../../src/audit-trail/entry.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { type IsolatedCell, isolatedCell, killHard } from './support.ts';

/**
 * kill -9 the worker process while its audit sealer is inside a batch, start it again: every
 * committed entry ends up chained exactly once, in one gap-free chain that verifies.
 */
let world: IsolatedCell;

beforeAll(async () => {
  world = await isolatedCell('sealcrash');
}, 60_000);

afterAll(async () => world?.close());

describe('audit sealer crash', () => {
  it('kill -9 mid-batch loses and duplicates nothing', async () => {
    const { cell } = world;
    const { tenantId, admin } = await buildTenant(cell);
    const origin = { tenantId, requestId: null, ip: null, userAgent: 'sealer-crash' };
    const N = 30_000;
    for (let i = 0; i < N; i += 2000) {
      await cell.deps.auditTrail.append(
        Array.from({ length: 2000 }, (_, j) =>
          auditEntry(origin, 'usr_load', {
            action: 'test.load',
            resourceType: 'test',
            details: { n: i + j },
          }),
        ),
      );
    }
    const chained = async () =>
      (
        await withTenantTx(cell.deps.db, tenantId, (tx) =>
          tx.execute<{ n: number; max: number | null }>(
            sql`select count(*)::int as n, max(seq)::int as max from audit_chain`,
          ),
        )
      )[0]!;

    // Watch the server for the sealer's statement, and kill its process while it runs.
    const su = superuserSql(world.ownerUrl);
    try {
      const child = world.startWorker();
      await eventually(
        async () =>
          (
            await su`select 1 from pg_stat_activity
                     where datname = current_database() and state = 'active' and query like '%audit_seal(%'`
          ).length > 0,
        'the sealer is inside a batch',
        { intervalMs: 2, timeoutMs: 30_000 },
      );
      await killHard(child);
    } finally {
      await su.end();
    }
    const atKill = await chained();
    expect(atKill.n).toBeLessThan(N); // it really died with work left
    expect(atKill.max ?? 0).toBe(atKill.n); // whatever was chained is a gap-free prefix

    const again = world.startWorker();
    const v = await eventually(
      async () => {
        const res = await call(cell, admin, 'GET', '/v1/audit/verify');
        return res.body.unsealed === 0 && res.body;
      },
      'the restarted worker sealed everything',
      { timeoutMs: 60_000 },
    );
    await killHard(again);
    expect(v.ok).toBe(true);
    const done = await chained();
    const [entries] = await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`),
    );
    expect(done.n).toBe(entries!.n); // each entry once: none lost, none twice
    expect(done.max).toBe(done.n);
    expect(v.checked).toBe(done.n);
  }, 120_000);
});
