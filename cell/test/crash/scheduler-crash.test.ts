import { type ChildProcess, spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import { buildTenant, type TestCell } from '../../../test/support/harness.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { type IsolatedCell, isolatedCell, killHard } from './support.ts';

/**
 * kill -9 a scheduler worker (a real process: crash/scheduler-child.ts, the real scheduler and
 * `jobs` source) in the middle of a run of jobs whose effect is visible (an audit entry naming
 * the job, committed with the job's completion), start another: every job ran, none twice.
 */
let world: IsolatedCell;
let cell: TestCell;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  world = await isolatedCell('schedcrash');
  cell = world.cell;
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await world?.close();
});

function startChild(): ChildProcess {
  const child = spawn(process.execPath, ['cell/test/crash/scheduler-child.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: cell.env.DATABASE_URL,
      REDIS_URL: cell.env.REDIS_URL,
      TEST_QUEUE: cell.env.QUEUE_PREFIX!,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function ran(tenantId: string): Promise<Map<string, number>> {
  const rows = await withTenantTx(cell.deps.db, tenantId, (tx) =>
    tx.execute<{ id: string; n: number }>(sql`
      select resource_id as id, count(*)::int as n from audit_log
      where tenant_id = ${tenantId} and action = 'test.job_ran' group by resource_id`),
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

const queued = (tenantId: string) =>
  withTenantTx(cell.deps.db, tenantId, async (tx) => {
    const [r] = await tx.execute<{ n: number }>(
      sql`select count(*)::int as n from jobs where tenant_id = ${tenantId}`,
    );
    return r!.n;
  });

describe('scheduler crash', () => {
  it('kill -9 mid-run, another worker takes over: no job lost, none run twice', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const PER = 120;
    for (const t of [a, b]) {
      await cell.deps.jobs.enqueueMany(
        t.tenantId,
        Array.from({ length: PER }, (_, i) => ({ kind: 'test-append', payload: { i } })),
      );
    }
    const first = startChild();
    await eventually(
      async () => (await ran(a.tenantId)).size + (await ran(b.tenantId)).size >= 40,
      'some jobs ran',
      {
        timeoutMs: 30_000,
      },
    );
    await killHard(first);
    const leased = async (tenantId: string) =>
      withTenantTx(cell.deps.db, tenantId, async (tx) => {
        const [r] = await tx.execute<{ n: number }>(
          sql`select count(*)::int as n from jobs where tenant_id = ${tenantId} and lease_owner is not null`,
        );
        return r!.n;
      });
    // Jobs were in flight: held by the dead worker's leases, which must run out first.
    expect((await leased(a.tenantId)) + (await leased(b.tenantId))).toBeGreaterThan(0);
    const before = (await ran(a.tenantId)).size + (await ran(b.tenantId)).size;
    expect(before).toBeLessThan(2 * PER); // killed mid-run

    startChild();
    await eventually(
      async () => (await queued(a.tenantId)) + (await queued(b.tenantId)) === 0,
      'every job done after the restart',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    for (const t of [a, b]) {
      const seen = await ran(t.tenantId);
      expect(seen.size).toBe(PER); // none lost
      expect([...seen.values()].every((n) => n === 1)).toBe(true); // none twice
    }
  }, 120_000);
});
