/**
 * Offboarding a large tenant: how long do its export (the customer's copy, made when offboarding
 * starts) and its purge (every row, blob, index entry and Redis key, then its key destroyed)
 * take, how much memory do they use at peak, and what does another tenant of the same cell see
 * meanwhile (its API p99)?
 *
 *   node_modules/.bin/node bench/offboarding.ts [--docs 10000] [--kib 4] [--clients 4]
 *
 * The issue asks for 100,000 documents; the default here is 10,000 (setup writes every document
 * through the real content path, envelope-encrypted and fsynced: 100,000 take ~10 minutes on the
 * shared 2-core machine). Setup is not measured. The export and the purge run in this process
 * (the worker's and the internal API's entry points), while `--clients` callers read a document
 * of the neighbour tenant over HTTP, back to back, from this same process: the API and the job
 * share one event loop here (in production the export runs in the worker process), so the
 * neighbour's figures are an upper bound of the interference. Baseline: the neighbour's p99 with
 * nothing else running, in the same run. Checks: the export holds every document, the purge
 * leaves no row of the tenant, the neighbour's reads all answer 200.
 */
import { sql } from 'drizzle-orm';
import { withTenantTx } from '../cell/src/db/tenant-tx.ts';
import { purgeTenant } from '../cell/src/modules/offboarding/verbs/purge.ts';
import { runPortabilityExport } from '../cell/src/modules/portability/run.ts';
import { buildTenant, INTERNAL_TOKEN, uploadDoc } from '../test/support/harness.ts';
import { arg } from './lib/args.ts';
import { closedLoop } from './lib/closed-loop.ts';
import { seedDocuments } from './lib/seed-documents.ts';
import { type BenchDatabase, createBenchDatabase, loadStack, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, nowMs, summarize, table } from './lib/stats.ts';

const DOCS = Number(arg('docs', '10000'));
const KIB = Number(arg('kib', '4'));
const CLIENTS = Number(arg('clients', '4'));

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;

/** Runs `work` while sampling RSS/heap every 50 ms and while the neighbour's readers run. */
async function phase<T>(work: () => Promise<T>, neighbour: (stop: () => boolean) => Promise<number[]>) {
  global.gc?.();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  let done = false;
  const load = neighbour(() => done);
  const t0 = nowMs();
  try {
    const value = await work();
    const seconds = (nowMs() - t0) / 1000;
    done = true;
    const samples = await load;
    return {
      value,
      seconds,
      rssGrowth: (peakRss - start.rss) / 2 ** 20,
      heapPeak: peakHeap / 2 ** 20,
      neighbour: summarize(samples),
    };
  } finally {
    done = true;
    clearInterval(timer);
  }
}

async function main(): Promise<boolean> {
  loadStack();
  db = await createBenchDatabase('offboarding');
  cell = await startBenchCell(db.appUrl, undefined, {
    QUEUE_PREFIX: `quire-bench-offboarding-${process.pid}`,
  });
  const deps = cell.deps;
  const { admin } = await buildTenant(cell, 'enterprise');
  const tenantId = admin.tenantId;
  const other = await buildTenant(cell, 'standard');
  const theirDoc = (await uploadDoc(cell, other.admin, 'the neighbour keeps working', { filename: 'n.txt' }))
    .body.document.id as string;

  process.stderr.write(`writing ${DOCS} documents of ${KIB} KiB …\n`);
  const t0 = nowMs();
  await seedDocuments(deps, {
    tenantId,
    createdBy: admin.userId,
    count: DOCS,
    filename: (i) => `contract-${String(i).padStart(6, '0')}.txt`,
    content: (i) =>
      `Document ${i}: clause ${i % 97} of the master agreement. `
        .repeat(Math.ceil((KIB * 1024) / 50))
        .slice(0, KIB * 1024),
  });
  const setupSeconds = (nowMs() - t0) / 1000;

  let failures = 0;
  const neighbour = async (stop: () => boolean) => {
    const samples: number[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (!stop()) {
          const s = nowMs();
          try {
            const res = await fetch(`${cell!.url}/v1/documents/${theirDoc}`, {
              headers: other.admin.headers,
            });
            await res.arrayBuffer();
            if (res.status !== 200) failures += 1;
          } catch {
            // A reset connection counts as a failure (seen at 100,000 documents: see bench/README.md).
            failures += 1;
          }
          samples.push(nowMs() - s);
        }
      }),
    );
    return samples;
  };

  process.stderr.write('baseline: the neighbour alone …\n');
  const base = await closedLoop(CLIENTS, 5, async () => {
    const res = await fetch(`${cell!.url}/v1/documents/${theirDoc}`, { headers: other.admin.headers });
    await res.arrayBuffer();
    if (res.status !== 200) failures += 1;
  });
  const baseline = summarize(base.samples);

  process.stderr.write('offboarding starts: the tenant export …\n');
  const begun = await fetch(`${cell.url}/internal/v1/tenants/${tenantId}/offboarding`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}` },
  });
  const exportId = ((await begun.json()) as { exportId: string }).exportId;
  const exp = await phase(() => runPortabilityExport(deps, { tenantId, exportId }), neighbour);
  const [row] = await withTenantTx(deps.db, tenantId, (tx) =>
    tx.execute<{ status: string; progress_done: number; size: string }>(
      sql`select status, progress_done, size from portability_exports where tenant_id = ${tenantId} and id = ${exportId}`,
    ),
  );

  process.stderr.write('past the grace period: the purge and key destruction …\n');
  const purge = await phase(() => purgeTenant(deps, tenantId), neighbour);
  const [left] = await deps.db.$client<
    { n: number }[]
  >`select count(*)::int as n from tenants where id = ${tenantId}`;
  const [docsLeft] = await withTenantTx(deps.db, tenantId, (tx) =>
    tx.execute<{ n: number }>(sql`select count(*)::int as n from documents where tenant_id = ${tenantId}`),
  );

  console.log(
    `\noffboarding: ${DOCS} documents of ${KIB} KiB, fs blob store, local keyring, Postgres search; ${CLIENTS} neighbour readers (GET /v1/documents/{id} of another tenant) in this process\n`,
  );
  const n = (s: ReturnType<typeof summarize>) => [s.n, s.p50, s.p99];
  console.log(
    table(
      [
        'phase',
        'seconds',
        'docs/s',
        'RSS growth MiB',
        'heap peak MiB',
        'neighbour n',
        'neighbour p50 ms',
        'neighbour p99 ms',
      ],
      [
        ['baseline: the neighbour alone (5 s)', 5, '-', '-', '-', ...n(baseline)],
        [
          'tenant export (manifest, zip, encrypt, store)',
          exp.seconds,
          DOCS / exp.seconds,
          exp.rssGrowth,
          exp.heapPeak,
          ...n(exp.neighbour),
        ],
        [
          'purge (rows, index, blobs, Redis) + key destroyed',
          purge.seconds,
          DOCS / purge.seconds,
          purge.rssGrowth,
          purge.heapPeak,
          ...n(purge.neighbour),
        ],
      ],
    ),
  );
  console.log(
    `\nsetup ${fmt(setupSeconds, 1)} s; export ${row?.status}, ${row?.progress_done} files, ${fmt(Number(row?.size ?? 0) / 2 ** 20, 1)} MiB stored; ` +
      `purge summary ${JSON.stringify(purge.value.summary)}; tenant rows left ${left?.n}, documents left ${docsLeft?.n}; neighbour failures ${failures}`,
  );
  return (
    row?.status === 'done' &&
    row.progress_done === DOCS &&
    left?.n === 0 &&
    docsLeft?.n === 0 &&
    failures === 0
  );
}

await runBench(main, async () => {
  await cell?.close();
  await db?.drop();
});
