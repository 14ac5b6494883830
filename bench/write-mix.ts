/**
 * What do writes of one tenant cost, and how far does the audit sealer lag behind them?
 *
 *   node_modules/.bin/node bench/write-mix.ts [--connections 32] [--seconds 10]
 *
 * One tenant, N keep-alive connections (default 32), each walking its own mix in turn: upload
 * a 1 KiB text file (POST /v1/documents: encrypted blob, rows, owner grant, outbox, audit),
 * PATCH the title and tags of its own document, create a folder (insert, owner grant, outbox,
 * audit: a comment-like append). Every one of them is an audited write of the same tenant,
 * which is what the v1 audit chain serialised on its head-row lock. The baseline, measured in
 * the same run: the same mix at 1 connection (unloaded latency). The sealer runs in-process
 * at the worker's default interval (1 s); its lag (sealed_at − occurred_at) is read from the
 * chain afterwards. Run against an older checkout without a sealer, it says so and skips lag.
 */
import { availableParallelism } from 'node:os';
import { silentLogger } from '@quire/shared/log';
import { uploadMetadata } from '../cell/src/modules/documents/upload-metadata.ts';
import { buildTenant, call, uploadDoc } from '../test/support/harness.ts';
import { arg } from './lib/args.ts';
import { type LoadResult, type LoadTarget, runLoad } from './lib/load.ts';
import { type BenchDatabase, createBenchDatabase, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, table } from './lib/stats.ts';

const CONNECTIONS = Number(arg('connections', '32'));
const SECONDS = Number(arg('seconds', '10'));
const WARMUP_SECONDS = 2;

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;
let sealer: { start(): void; stop(): Promise<void> } | undefined;

async function startSealer(): Promise<typeof sealer> {
  try {
    const { AuditSealer } = await import('../cell/src/modules/audit/sealer.ts');
    const s = new AuditSealer(cell!.deps.db.$client, silentLogger);
    s.start();
    return s;
  } catch {
    return undefined; // an older checkout: the chain is extended inside each request
  }
}

async function main(): Promise<boolean> {
  db = await createBenchDatabase('write_mix');
  cell = await startBenchCell(db.appUrl);
  sealer = await startSealer();
  const { admin, tenantId } = await buildTenant(cell, 'enterprise');
  const json = { ...admin.headers, 'content-type': 'application/json' };

  // One document per connection to PATCH, so connections do not queue on one row.
  const lists: LoadTarget[][] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const up = await uploadDoc(cell, admin, `write mix seed ${i}\n`, { filename: `seed-${i}.txt` });
    if (up.status !== 201) throw new Error(`seed upload failed: ${up.status}`);
    lists.push([
      {
        name: 'upload 1 KiB',
        method: 'POST',
        path: '/v1/documents',
        headers: {
          ...admin.headers,
          'content-type': 'text/plain',
          'upload-metadata': uploadMetadata({ filename: 'mix.txt' }),
        },
        body: `{{seq}} ${'x'.repeat(1016)}`,
      },
      {
        name: 'PATCH metadata',
        method: 'PATCH',
        path: `/v1/documents/${up.body.document.id}`,
        headers: json,
        body: '{"title":"title {{seq}}","tags":["mix","t{{seq}}"]}',
      },
      {
        name: 'create folder',
        method: 'POST',
        path: '/v1/folders',
        headers: json,
        body: '{"name":"folder {{seq}}"}',
      },
    ]);
  }
  const probe = await call(cell, admin, 'POST', '/v1/folders', { name: 'probe' });
  if (probe.status !== 201) throw new Error(`probe failed: ${probe.status} ${JSON.stringify(probe.body)}`);

  const phases: [string, LoadResult][] = [];
  const startedAt = new Date();
  for (const connections of [CONNECTIONS, 1]) {
    process.stderr.write(`running: write mix, ${connections} connection(s) …\n`);
    const result = await runLoad({
      url: cell.url,
      targets: lists[0]!,
      perConnection: lists,
      connections,
      seconds: connections === 1 ? Math.min(SECONDS, 5) : SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      postgresDatabase: db.database,
    });
    phases.push([`${connections} connection(s)`, result]);
  }

  console.log(
    `\nwrite-mix: one tenant, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s, cell pool ${cell.env.DATABASE_POOL_SIZE}, ` +
      `${availableParallelism()} cores, load generator in a child process\n`,
  );
  const rows: (string | number)[][] = [];
  for (const [phase, r] of phases) {
    rows.push([phase, 'all', r.rps, r.p50, r.p99, r.max, String(r.non2xx + r.errors + r.timeouts)]);
    for (const [name, s] of Object.entries(r.byName))
      rows.push([phase, name, s.n / r.seconds, s.p50, s.p99, s.max, '']);
  }
  console.log(table(['phase', 'operation', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx/errors'], rows));
  console.log('\nCPU per request (2 cores = 2,000 ms of CPU per second):\n');
  console.log(
    table(
      ['phase', 'server ms/req', 'Postgres ms/req', 'machine busy %'],
      phases.map(([phase, r]) => [
        phase,
        r.serverCpuMs / r.requests,
        r.postgresCpuMs / r.requests,
        (100 * r.machineBusyMs) / r.machineTotalMs,
      ]),
    ),
  );

  if (sealer) {
    await sealer.stop();
    const { withTenantTx } = await import('../cell/src/db/tenant-tx.ts');
    const { sql } = await import('drizzle-orm');
    const lag = await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute<{ n: string; p50: number; p99: number; max: number; unsealed: string }>(sql`
        select count(c.seq)::text as n,
               percentile_cont(0.5) within group (order by extract(epoch from c.sealed_at - a.occurred_at)) * 1000 as p50,
               percentile_cont(0.99) within group (order by extract(epoch from c.sealed_at - a.occurred_at)) * 1000 as p99,
               max(extract(epoch from c.sealed_at - a.occurred_at))::float8 * 1000 as max,
               count(*) filter (where c.seq is null)::text as unsealed
        from audit_log a left join audit_chain c on c.tenant_id = a.tenant_id and c.entry_id = a.id
        where a.occurred_at >= ${startedAt.toISOString()}`),
    );
    const l = lag[0]!;
    console.log(
      `\naudit sealer lag (occurred → chained), sealer every 1 s: ${l.n} entries, p50 ${fmt(l.p50, 0)} ms, ` +
        `p99 ${fmt(l.p99, 0)} ms, max ${fmt(l.max, 0)} ms; unsealed when the load stopped: ${l.unsealed}`,
    );
  } else {
    console.log('\nno audit sealer in this checkout: each write extends the chain itself (v1)');
  }
  const bad = phases.filter(([, r]) => r.non2xx + r.errors + r.timeouts > 0);
  for (const [name, r] of bad) console.log(`FAIL ${name}: status codes ${JSON.stringify(r.statusCodes)}`);
  return bad.length === 0;
}

await runBench(main, async () => {
  await sealer?.stop();
  await cell?.close();
  await db?.drop();
});
