/**
 * Fair background work: tenant A enqueues 100,000 jobs, nine other tenants 100 each a moment
 * later. How long do the others' jobs wait to start (p50/p99; targets < 2 s / < 10 s), and how
 * many jobs/s does the scheduler run?
 *
 *   node_modules/.bin/node bench/fairness.ts [--big 100000] [--small 100] [--others 9]
 *     [--work-ms 2] [--lanes 4] [--window 10]
 *
 * The cell's one scheduler (cell/src/jobs/scheduler/: `jobs` rows with leases, smooth weighted
 * round-robin over tenants, every tenant on the standard plan: equal weights, the hardest case
 * for the others) against a plain FIFO queue measured in the same run: BullMQ, one queue, the
 * same handler, the same lanes. Each job sleeps `--work-ms` (its "work"). The scheduler is run
 * until the others' jobs are done and then for `--window` seconds more for throughput (A's
 * remaining backlog is then deleted, not drained); the FIFO runs until the others' jobs are
 * done (behind A's backlog, by construction).
 */
import { randomUUID } from 'node:crypto';
import { silentLogger } from '@quire/shared/log';
import { Queue, Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { withTenantTx } from '../cell/src/db/tenant-tx.ts';
import { JobQueue, ringChannelOf } from '../cell/src/jobs/scheduler/queue.ts';
import { JobScheduler } from '../cell/src/jobs/scheduler/scheduler.ts';
import { TableSource } from '../cell/src/jobs/scheduler/table-source.ts';
import { buildTenant } from '../test/support/harness.ts';
import { arg } from './lib/args.ts';
import { type BenchDatabase, createBenchDatabase, loadStack, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, summarize, table } from './lib/stats.ts';

const BIG = Number(arg('big', '100000'));
const SMALL = Number(arg('small', '100'));
const OTHERS = Number(arg('others', '9'));
const WORK_MS = Number(arg('work-ms', '2'));
const LANES = Number(arg('lanes', '4'));
const WINDOW_S = Number(arg('window', '10'));
/** The others arrive once A's backlog is being worked. */
const OTHERS_AFTER_MS = 2_000;

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  /** Start delays of the others' jobs (ms). */
  others: number[];
  /** Start delays of A's jobs that ran (ms). */
  big: number[];
  ran: number;
  seconds: number;
  enqueueSeconds: number;
}

async function fair(tenants: string[]): Promise<Run> {
  const deps = cell!.deps;
  const queue = `bench-fair-${randomUUID().slice(0, 8)}`;
  const jobs = new JobQueue(deps.db, deps.redis, {
    queue,
    ringChannel: ringChannelOf(queue),
    depthLimit: async () => BIG + SMALL,
    log: silentLogger,
  });
  const [a, ...others] = tenants;
  const t0 = Date.now();
  for (let i = 0; i < BIG; i += 5_000) {
    const n = Math.min(5_000, BIG - i);
    await jobs.enqueueMany(
      a!,
      Array.from({ length: n }, () => ({ kind: 'bench', payload: { t: Date.now() } })),
    );
  }
  const enqueueSeconds = (Date.now() - t0) / 1000;
  const run: Run = { others: [], big: [], ran: 0, seconds: 0, enqueueSeconds };
  const source = new TableSource(
    deps.db,
    {
      bench: async (job) => {
        const delay = Date.now() - Number(job.payload.t);
        (job.tenantId === a ? run.big : run.others).push(delay);
        run.ran++;
        if (WORK_MS > 0) await sleep(WORK_MS);
      },
    },
    { queue, owner: `bench-${process.pid}`, leaseMs: 30_000, log: silentLogger },
  );
  const scheduler = new JobScheduler({
    sources: [source],
    lanes: LANES,
    pollMs: 1_000,
    weightOf: async (id) => (await deps.tenants.get(id))?.limits.jobWeight ?? 1,
    subscriber: new Redis(process.env.QUIRE_REDIS_URL!, { maxRetriesPerRequest: null }),
    ringChannel: ringChannelOf(queue),
    log: silentLogger,
  });
  const started = Date.now();
  scheduler.start();
  await sleep(OTHERS_AFTER_MS);
  await Promise.all(
    others.map((t) =>
      jobs.enqueueMany(
        t,
        Array.from({ length: SMALL }, () => ({ kind: 'bench', payload: { t: Date.now() } })),
      ),
    ),
  );
  const deadline = Date.now() + 600_000;
  while (run.others.length < SMALL * others.length && Date.now() < deadline) await sleep(50);
  await sleep(WINDOW_S * 1000);
  await scheduler.stop();
  run.seconds = (Date.now() - started) / 1000;
  await withTenantTx(deps.db, a!, (tx) =>
    tx.execute(sql`delete from jobs where tenant_id = ${a!} and queue = ${queue}`),
  );
  return run;
}

async function fifo(tenants: string[]): Promise<Run> {
  const { redisUrl } = loadStack();
  const prefix = `bench-fifo-${randomUUID().slice(0, 8)}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('fifo', { connection, prefix });
  cleanups.push(async () => {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
  });
  const [a, ...others] = tenants;
  const t0 = Date.now();
  for (let i = 0; i < BIG; i += 5_000) {
    const n = Math.min(5_000, BIG - i);
    await queue.addBulk(
      Array.from({ length: n }, () => ({
        name: 'bench',
        data: { tenantId: a, t: Date.now() },
        opts: { removeOnComplete: true },
      })),
    );
  }
  const enqueueSeconds = (Date.now() - t0) / 1000;
  const run: Run = { others: [], big: [], ran: 0, seconds: 0, enqueueSeconds };
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const started = Date.now();
  const worker = new Worker(
    'fifo',
    async (job) => {
      const delay = Date.now() - Number(job.data.t);
      (job.data.tenantId === a ? run.big : run.others).push(delay);
      run.ran++;
      if (WORK_MS > 0) await sleep(WORK_MS);
    },
    { connection: workerConnection, prefix, concurrency: LANES },
  );
  await sleep(OTHERS_AFTER_MS);
  for (const t of others) {
    await queue.addBulk(
      Array.from({ length: SMALL }, () => ({
        name: 'bench',
        data: { tenantId: t, t: Date.now() },
        opts: { removeOnComplete: true },
      })),
    );
  }
  const deadline = Date.now() + 900_000;
  while (run.others.length < SMALL * others.length && Date.now() < deadline) await sleep(50);
  run.seconds = (Date.now() - started) / 1000;
  await worker.close(true);
  workerConnection.disconnect();
  return run;
}

async function main(): Promise<boolean> {
  loadStack();
  db = await createBenchDatabase('fairness');
  cell = await startBenchCell(db.appUrl, 20, { QUEUE_PREFIX: `bench-fairness-${process.pid}` });
  const tenants: string[] = [];
  for (let i = 0; i <= OTHERS; i++) tenants.push((await buildTenant(cell as never)).tenantId);
  console.log(
    `tenant A: ${BIG} jobs; ${OTHERS} others: ${SMALL} each, enqueued ${OTHERS_AFTER_MS / 1000} s after the workers start; ` +
      `${LANES} lanes, ${WORK_MS} ms of work per job; all tenants on the standard plan (equal weights)`,
  );

  const f = await fair(tenants);
  const q = await fifo(tenants);
  const row = (name: string, r: Run) => {
    const o = summarize(r.others);
    return [
      name,
      fmt(r.enqueueSeconds, 1),
      `${r.others.length}/${SMALL * OTHERS}`,
      fmt(o.p50 / 1000, 2),
      fmt(o.p99 / 1000, 2),
      fmt(o.max / 1000, 2),
      String(r.ran),
      fmt(r.ran / r.seconds, 0),
    ];
  };
  console.log(
    table(
      [
        'queue',
        `enqueue A (s)`,
        'others ran',
        'others p50 (s)',
        'others p99 (s)',
        'others max (s)',
        'jobs run',
        'jobs/s',
      ],
      [row('fair scheduler (Postgres + leases)', f), row('plain FIFO (BullMQ)', q)],
    ),
  );
  const fo = summarize(f.others);
  const ok = f.others.length === SMALL * OTHERS && fo.p50 < 2_000 && fo.p99 < 10_000;
  console.log(
    `targets: others' start delay p50 < 2 s, p99 < 10 s under the fair scheduler: ${ok ? 'met' : 'NOT met'}`,
  );
  return ok;
}

await runBench(main, async () => {
  for (const c of cleanups) await c().catch(() => {});
  await cell?.close();
  await db?.drop();
});
