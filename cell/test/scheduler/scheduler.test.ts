import { randomUUID } from 'node:crypto';
import { silentLogger } from '@quire/shared/log';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import { buildTenant, call, startTestCell, type TestCell, uploadDoc } from '../../../test/support/harness.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { JobQueue, ringChannelOf } from '../../src/jobs/scheduler/queue.ts';
import { JobScheduler } from '../../src/jobs/scheduler/scheduler.ts';
import { type JobHandler, TableSource } from '../../src/jobs/scheduler/table-source.ts';
import { ConcurrencySlots } from '../../src/jobs/slots.ts';

/**
 * The one scheduler of background work (cell/src/jobs/scheduler/README.md), against the real
 * Postgres and Redis: fairness across tenants, plan weights, the per-tenant depth limit (also
 * through the API: 429 queue_full), leases that expire, concurrency slots that expire. The
 * crash case (kill -9 mid-job) is cell/test/crash/scheduler-crash.test.ts.
 */
let cell: TestCell;
const PREFIX = `quire-test-sched-${process.pid}`;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX: PREFIX });
});
afterAll(async () => cell?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A queue of its own, a recording handler and a scheduler over it. */
function rig(o: {
  lanes?: number;
  workMs?: number;
  leaseMs?: number;
  depth?: number;
  weights?: Record<string, number>;
}) {
  const queue = `${PREFIX}-${randomUUID().slice(0, 8)}`;
  const jobs = new JobQueue(cell.deps.db, cell.deps.redis, {
    queue,
    ringChannel: ringChannelOf(queue),
    depthLimit: async () => o.depth ?? 100_000,
    log: silentLogger,
  });
  const started: { tenantId: string; id: string; at: number; payload: Record<string, unknown> }[] = [];
  const handler: JobHandler = async (job) => {
    started.push({ tenantId: job.tenantId, id: job.id, at: Date.now(), payload: job.payload });
    await sleep(o.workMs ?? 2);
  };
  const source = new TableSource(
    cell.deps.db,
    { 'test-record': handler },
    { queue, owner: `test-${randomUUID()}`, leaseMs: o.leaseMs ?? 5_000, log: silentLogger },
  );
  const scheduler = new JobScheduler({
    sources: [source],
    lanes: o.lanes ?? 2,
    pollMs: 200,
    weightOf: async (id) => o.weights?.[id] ?? (await cell.deps.tenants.get(id))?.limits.jobWeight ?? 1,
    subscriber: new Redis(process.env.QUIRE_REDIS_URL!, { maxRetriesPerRequest: null }),
    ringChannel: ringChannelOf(queue),
    log: silentLogger,
  });
  return { queue, jobs, started, scheduler };
}

const many = (n: number, tag = 'x') =>
  Array.from({ length: n }, (_, i) => ({ kind: 'test-record', payload: { tag, i } }));

describe('fairness', () => {
  it('a tenant with a deep backlog does not delay another tenant’s job beyond a round', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const c = await buildTenant(cell);
    const r = rig({ lanes: 2, workMs: 5 });
    // b's one job is queued behind a's 400 (a FIFO would run it 401st)...
    await r.jobs.enqueueMany(a.tenantId, many(400));
    await r.jobs.enqueue({ tenantId: b.tenantId, kind: 'test-record', payload: { tag: 'b' } });
    r.scheduler.start();
    try {
      const bStart = await eventually(async () => r.started.find((s) => s.tenantId === b.tenantId), 'b ran');
      // ...and runs in the first round of two equal weights on two lanes.
      expect(
        r.started.filter((s) => s.tenantId === a.tenantId && s.at <= bStart.at).length,
      ).toBeLessThanOrEqual(2);
      // A job arriving while the backlog is worked also runs before the backlog is done.
      await eventually(async () => r.started.length >= 30, 'the backlog is being worked');
      await r.jobs.enqueue({ tenantId: c.tenantId, kind: 'test-record', payload: { tag: 'c' } });
      await eventually(async () => r.started.find((s) => s.tenantId === c.tenantId), 'c ran');
      expect(r.started.filter((s) => s.tenantId === a.tenantId).length).toBeLessThan(400);
    } finally {
      await r.scheduler.stop();
    }
  });

  it('backlogged tenants get turns in proportion to their plan’s job weight (1 / 3 / 10)', async () => {
    const std = await buildTenant(cell, 'standard');
    const pro = await buildTenant(cell, 'professional');
    const ent = await buildTenant(cell, 'enterprise');
    const r = rig({ lanes: 1, workMs: 1 });
    for (const t of [std, pro, ent]) await r.jobs.enqueueMany(t.tenantId, many(200));
    r.scheduler.start();
    try {
      await eventually(async () => r.started.length >= 140, '140 jobs ran', { timeoutMs: 30_000 });
    } finally {
      await r.scheduler.stop();
    }
    const first = r.started.slice(0, 140);
    const n = (id: string) => first.filter((s) => s.tenantId === id).length;
    expect(n(ent.tenantId)).toBeGreaterThanOrEqual(95);
    expect(n(pro.tenantId)).toBeGreaterThanOrEqual(27);
    expect(n(pro.tenantId)).toBeLessThanOrEqual(33);
    expect(n(std.tenantId)).toBeGreaterThanOrEqual(8);
    expect(n(std.tenantId)).toBeLessThanOrEqual(12);
  });

  it('within a tenant jobs run in order; delayed jobs wait for their time', async () => {
    const a = await buildTenant(cell);
    const r = rig({ lanes: 1 });
    await r.jobs.enqueue({
      tenantId: a.tenantId,
      kind: 'test-record',
      payload: { tag: 'later' },
      delayMs: 600,
    });
    await r.jobs.enqueueMany(a.tenantId, many(3, 'now'));
    const t0 = Date.now();
    r.scheduler.start();
    try {
      await eventually(async () => r.started.length === 4, 'all four ran');
    } finally {
      await r.scheduler.stop();
    }
    expect(r.started.map((s) => s.payload.tag)).toEqual(['now', 'now', 'now', 'later']);
    expect(r.started[3]!.at - t0).toBeGreaterThanOrEqual(550);
  });
});

describe('queue depth limit', () => {
  it('a full queue refuses with the limit and the depth; coalesced jobs do not count', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const r = rig({ depth: 5 });
    await r.jobs.enqueueMany(a.tenantId, many(4));
    await r.jobs.enqueue({ tenantId: a.tenantId, kind: 'test-record', key: 'one' });
    await expect(r.jobs.enqueue({ tenantId: a.tenantId, kind: 'test-record' })).rejects.toMatchObject({
      code: 'queue_full',
      details: { limit: 5, used: 5 },
    });
    // All or none: a batch that does not fit adds nothing.
    await expect(r.jobs.enqueueMany(b.tenantId, many(6))).rejects.toMatchObject({ code: 'queue_full' });
    expect(await r.jobs.depth(b.tenantId)).toBe(0);
    await r.jobs.enqueueMany(b.tenantId, many(5)); // another tenant's queue is its own
    expect(await r.jobs.depth(a.tenantId)).toBe(5);
  });

  it('through the API: a bulk job on a full queue answers 429 queue_full with Retry-After, and nothing is created', async () => {
    const limited = await startTestCell(
      'us-1',
      { blobs: 'fs', keyring: 'local' },
      { QUEUE_PREFIX: `${PREFIX}-api`, JOB_QUEUE_DEPTH_PER_WEIGHT: '2' },
    );
    try {
      const { admin } = await buildTenant(limited);
      const doc = (await uploadDoc(limited, admin, 'x')).body.document.id as string;
      const bulk = () =>
        call(limited, admin, 'POST', '/v1/bulk-jobs', {
          kind: 'tag',
          items: [{ type: 'document', id: doc }],
          tags: { add: ['t'] },
        });
      const first = await bulk();
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      expect((await bulk()).status).toBe(202);
      const full = await bulk();
      expect(full.status).toBe(429);
      expect(full.body.error.code).toBe('queue_full');
      expect(full.body.error.details).toMatchObject({ limit: 2, used: 2 });
      expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
      const created = await withTenantTx(limited.deps.db, admin.tenantId, (tx) =>
        tx.execute<{ n: number }>(
          sql`select count(*)::int as n from bulk_jobs where tenant_id = ${admin.tenantId}`,
        ),
      );
      expect(created[0]!.n).toBe(2); // the refused job was rolled back with its queue entry
    } finally {
      await limited.close();
    }
  });
});

describe('leases', () => {
  it('a job whose worker stopped renewing its lease runs again when the lease runs out', async () => {
    const a = await buildTenant(cell);
    const r = rig({ leaseMs: 400 });
    await r.jobs.enqueue({ tenantId: a.tenantId, kind: 'test-record', payload: { tag: 'orphan' } });
    // A worker that died holding the job: its lease (run_at) ends in 400 ms.
    await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`update jobs set lease_owner = 'dead-worker', attempts = 1,
        run_at = now() + interval '400 milliseconds' where tenant_id = ${a.tenantId} and queue = ${r.queue}`),
    );
    const t0 = Date.now();
    r.scheduler.start();
    try {
      const ran = await eventually(async () => r.started[0], 'the orphaned job ran', { timeoutMs: 5_000 });
      expect(ran.at - t0).toBeGreaterThanOrEqual(300);
    } finally {
      await r.scheduler.stop();
    }
    expect(await r.jobs.depth(a.tenantId)).toBe(0);
  });

  it('concurrency slots: over the limit is 429 with limit, used and retryAfter; an unrenewed lease frees its slot', async () => {
    const slots = new ConcurrencySlots(cell.deps.redis, { prefix: `${PREFIX}-${randomUUID()}`, ttlMs: 400 });
    const a = await slots.acquire('ten_slots', 'uploads', 'u1', 2);
    await slots.acquire('ten_slots', 'uploads', 'u2', 2);
    await slots.acquire('ten_slots', 'uploads', 'u2', 2); // the same holder again renews, takes nothing more
    await expect(slots.acquire('ten_slots', 'uploads', 'u3', 2)).rejects.toMatchObject({
      status: 429,
      details: { limit: 2, used: 2, retryAfter: 1 },
    });
    await slots.acquire('ten_other', 'uploads', 'u3', 2); // another tenant's slots are its own
    await a.release();
    const c = await slots.acquire('ten_slots', 'uploads', 'u3', 2); // released: free at once
    expect(await slots.used('ten_slots', 'uploads')).toBe(2);
    await sleep(500); // nobody renewed: both leases expired (a crashed upload)
    expect(await slots.used('ten_slots', 'uploads')).toBe(0);
    await slots.acquire('ten_slots', 'uploads', 'u4', 2);
    await slots.acquire('ten_slots', 'uploads', 'u5', 2);
    expect(await c.renew()).toBe(false); // its slot was taken meanwhile
  });

  it('concurrency slots with Redis unreachable: limited per process (degraded), never unlimited, never an error', async () => {
    const gone = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: null,
      lazyConnect: true,
      retryStrategy: () => 1000,
    });
    gone.on('error', () => {});
    const slots = new ConcurrencySlots(gone, { prefix: 'p', ttlMs: 60_000 });
    try {
      const first = await slots.acquire('ten_down', 'uploads', 'a', 1);
      await expect(slots.acquire('ten_down', 'uploads', 'b', 1)).rejects.toMatchObject({
        status: 429,
        details: { limit: 1, used: 1 },
      });
      await first.release().catch(() => {});
      await slots.acquire('ten_down', 'uploads', 'b', 1);
    } finally {
      gone.disconnect();
    }
  }, 20_000);
});
