/**
 * How much does the cell's authenticated metadata read cost over real HTTP, compared to
 * the floor of the same server stack (a bare @hono/node-server route)?
 *
 *   node_modules/.bin/node bench/doc-get.ts
 *
 * Load: autocannon in a child process, 64 keep-alive connections, 2 s warm-up + 10 s
 * measured per phase. Phases: bare route; GET /v1/documents/{id} for one tenant (all 64
 * connections on one document); the same spread over 8 tenants (8 connections each);
 * the one-tenant GET at 1 connection (5 s), for the unloaded latency. Also prints CPU
 * time per request (server process, load generator, rest of the machine ≈ Postgres).
 */
import { availableParallelism } from 'node:os';
import { Hono } from 'hono';
import postgres from 'postgres';
import { buildTenant, uploadDoc } from '../test/support/harness.ts';
import { type LoadResult, type LoadTarget, runLoad } from './lib/load.ts';
import {
  type BenchDatabase,
  createBenchDatabase,
  listen,
  loadStack,
  runBench,
  startBenchCell,
} from './lib/setup.ts';
import { fmt, table } from './lib/stats.ts';

const CONNECTIONS = 64;
const SECONDS = 10;
const WARMUP_SECONDS = 2;
const SPREAD_TENANTS = 8;

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;
let bare: Awaited<ReturnType<typeof listen>> | undefined;

async function main(): Promise<boolean> {
  const { adminUrl } = loadStack();
  db = await createBenchDatabase('doc_get');
  cell = await startBenchCell(db.appUrl);
  bare = await listen(new Hono().get('/', (c) => c.json({ ok: true })).fetch);

  // One document per tenant, owned by the tenant's admin (set up in-process, measured over HTTP).
  const targets: LoadTarget[] = [];
  for (let i = 0; i < SPREAD_TENANTS; i++) {
    const { admin } = await buildTenant(cell);
    const up = await uploadDoc(cell, admin, `bench document ${i}\n`, { filename: `bench-${i}.txt` });
    if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${JSON.stringify(up.body)}`);
    targets.push({ path: `/v1/documents/${up.body.document.id}`, headers: admin.headers });
  }
  const first = targets[0]!;
  const probe = await fetch(`${cell.url}${first.path}`, { headers: first.headers });
  if (probe.status !== 200) throw new Error(`probe GET failed: ${probe.status} ${await probe.text()}`);
  await probe.arrayBuffer();

  const phases: [string, LoadResult][] = [];
  const run = async (
    name: string,
    url: string,
    t: LoadTarget[],
    connections = CONNECTIONS,
    seconds = SECONDS,
  ) => {
    process.stderr.write(`running: ${name} …\n`);
    const result = await runLoad({
      url,
      targets: t,
      connections,
      seconds,
      warmupSeconds: WARMUP_SECONDS,
      postgresDatabase: db!.database,
    });
    phases.push([name, result]);
  };
  await run('bare hono GET /', bare.url, [{ path: '/' }]);
  await run('cell GET /v1/documents/{id}, 1 tenant', cell.url, [first]);
  await run(`cell GET /v1/documents/{id}, ${SPREAD_TENANTS} tenants`, cell.url, targets);
  await run('cell GET /v1/documents/{id}, 1 connection (unloaded)', cell.url, [first], 1, 5);

  const base = phases[0]![1];
  console.log(
    `\ndoc-get: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per phase, ` +
      `cell pool ${cell.env.DATABASE_POOL_SIZE}, ${availableParallelism()} cores, load generator in a child process\n`,
  );
  console.log(
    table(
      [
        'phase',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'requests',
        'non-2xx',
        'errors',
        'x bare req/s',
        'x bare p99',
      ],
      phases.map(([name, r]) => [
        name,
        r.rps,
        r.p50,
        r.p99,
        r.max,
        String(r.requests),
        String(r.non2xx),
        String(r.errors + r.timeouts),
        r.rps / base.rps,
        r.p99 / base.p99,
      ]),
    ),
  );
  console.log('\nCPU per request over each measured run (2 cores = 2,000 ms of CPU per second):\n');
  console.log(
    table(
      [
        'phase',
        'machine busy %',
        'server process ms/req',
        'load generator ms/req',
        'Postgres ms/req',
        'rest of the machine ms/req',
      ],
      phases.map(([name, r]) => [
        name,
        (100 * r.machineBusyMs) / r.machineTotalMs,
        r.serverCpuMs / r.requests,
        r.loadCpuMs / r.requests,
        r.postgresCpuMs / r.requests,
        Math.max(0, r.machineBusyMs - r.serverCpuMs - r.loadCpuMs - r.postgresCpuMs) / r.requests,
      ]),
    ),
  );
  const cellOne = phases[1]![1];
  console.log(
    `\nratio cell/bare (1 tenant): throughput ${fmt(cellOne.rps / base.rps, 4)}, p99 ${fmt(cellOne.p99 / base.p99, 1)}x`,
  );

  const gc = cell.deps.auditTrail.stats;
  console.log(
    `audit group commit: ${gc.entries} entries in ${gc.writes} statements (${fmt(gc.entries / Math.max(1, gc.writes), 1)} per write)`,
  );
  // Every 200 also appended a `document.viewed` entry to the tenant's hash-chained audit log.
  const benchDbUrl = new URL(adminUrl);
  benchDbUrl.pathname = `/${db.database}`;
  const admin = postgres(benchDbUrl.toString(), { max: 1 });
  try {
    const [row] = await admin<{ n: string }[]>`
      select count(*)::text as n from audit_log where action = 'document.viewed'`;
    const served = phases.slice(1).reduce((n, [, r]) => n + r.ok2xx, 0);
    console.log(
      `audit_log document.viewed rows: ${row!.n} (measured 2xx: ${served}; warm-ups and in-flight-at-stop requests make up the rest)`,
    );
  } finally {
    await admin.end();
  }

  const bad = phases.filter(([, r]) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
  for (const [name, r] of bad) console.log(`FAIL ${name}: status codes ${JSON.stringify(r.statusCodes)}`);
  console.log(bad.length === 0 ? 'non-2xx responses: 0 (ok)' : 'non-2xx or errors seen: FAIL');
  return bad.length === 0;
}

await runBench(main, async () => {
  await bare?.stop();
  await cell?.close();
  await db?.drop();
});
