/**
 * What does row-level security cost on a tenant query over a big pooled table?
 *
 *   node_modules/.bin/node bench/rls-overhead.ts
 *
 * Two identical tables of 1,000,000 rows across 100 tenants (10,000 each, interleaved on
 * disk), primary key (tenant_id, id): `bench_rls` with the policy shape of
 * cell/src/db/migrations/0001_rls_audit.sql (ENABLE + FORCE, USING tenant_id = (SELECT
 * current_setting('app.tenant_id', true))), and `bench_plain` without RLS. As the cell's
 * app role, each query runs inside the cell's own `withTenantTx` (BEGIN, set_config,
 * query, COMMIT), a random tenant each time, variants interleaved round-robin:
 *   plain      bench_plain with an explicit WHERE tenant_id = $1   (the baseline)
 *   rls        bench_rls with no tenant predicate: RLS alone filters
 *   rls+where  bench_rls with the explicit predicate too (what the cell's repos do)
 * Client figures are the query statement's round trips, timed inside the transaction;
 * server figures are planning + execution time from EXPLAIN (ANALYZE, TIMING OFF).
 *
 * Protocol parity: postgres.js sends a statement without parameters over the simple
 * protocol (one round trip) and, as drizzle calls it (unnamed, not prepared), one with
 * parameters as Parse/Describe, then Bind/Execute (two round trips). So the `rls` variant
 * carries the tenant id as a no-op parameter (`$1::text is not null`, folded to true at
 * planning) to pay the same protocol cost as the others; otherwise it "wins" by a round trip.
 */
import { type SQL, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb } from '../cell/src/db/client.ts';
import { withTenantTx } from '../cell/src/db/tenant-tx.ts';
import { type BenchDatabase, createBenchDatabase, runBench } from './lib/setup.ts';
import { fmt, nowMs, summarize, table } from './lib/stats.ts';

const ROWS = 1_000_000;
const TENANTS = 100;
const ROUNDS = 1_000;
const WARMUP_ROUNDS = 100;
const SERVER_ROUNDS = 300;
/** Cap per query kind, so a slow box still finishes in bounded time. */
const PHASE_SECONDS = 10;

const tenantOf = (t: number) => `ten_bench_${String(t).padStart(3, '0')}`;
/** Row g (1..ROWS) belongs to tenant g % TENANTS and has id doc_<g, 8 digits>. */
const docId = (g: number) => `doc_${String(g).padStart(8, '0')}`;

type ExplainJson = { 'Planning Time': number; 'Execution Time': number }[];

type Variant = 'plain' | 'rls' | 'rls+where';
const VARIANTS: Variant[] = ['plain', 'rls', 'rls+where'];

interface QueryKind {
  name: string;
  build(v: Variant, tenant: string, id: string): SQL;
}

const from = (v: Variant) => sql.raw(v === 'plain' ? 'bench_plain' : 'bench_rls');
const tenantWhere = (v: Variant, tenant: string) =>
  v === 'rls' ? sql`${tenant}::text is not null` : sql`tenant_id = ${tenant}`;

const QUERIES: QueryKind[] = [
  {
    name: 'count(*) of one tenant (10,000 rows)',
    build: (v, tenant) => sql`select count(*)::int as n from ${from(v)} where ${tenantWhere(v, tenant)}`,
  },
  {
    name: 'first page: 50 rows order by id',
    build: (v, tenant) =>
      sql`select id, title, size, created_at from ${from(v)} where ${tenantWhere(v, tenant)} order by id limit 50`,
  },
  {
    name: 'point lookup by id',
    build: (v, tenant, id) => sql`select * from ${from(v)} where ${tenantWhere(v, tenant)} and id = ${id}`,
  },
];

let db: BenchDatabase | undefined;
let app: ReturnType<typeof createDb> | undefined;

async function buildTables(ownerUrl: string) {
  const owner = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    const started = nowMs();
    await owner.unsafe(`set maintenance_work_mem = '256MB'`);
    await owner.unsafe(`
      create table bench_rls (
        tenant_id text not null, id text not null, title text not null, size bigint not null,
        created_at timestamptz not null, trashed_at timestamptz)`);
    await owner.unsafe(`
      insert into bench_rls (tenant_id, id, title, size, created_at)
      select 'ten_bench_' || lpad((g % ${TENANTS})::text, 3, '0'), 'doc_' || lpad(g::text, 8, '0'),
             'Document ' || g, (g::bigint * 7919) % 10000000, now() - g * interval '1 second'
      from generate_series(1, ${ROWS}) g`);
    await owner.unsafe('create table bench_plain (like bench_rls including all)');
    await owner.unsafe('insert into bench_plain select * from bench_rls');
    await owner.unsafe('alter table bench_rls add primary key (tenant_id, id)');
    await owner.unsafe('alter table bench_plain add primary key (tenant_id, id)');
    await owner.unsafe('alter table bench_rls enable row level security');
    await owner.unsafe('alter table bench_rls force row level security');
    await owner.unsafe(`create policy tenant_isolation on bench_rls
      using (tenant_id = (select current_setting('app.tenant_id', true)))
      with check (tenant_id = (select current_setting('app.tenant_id', true)))`);
    await owner.unsafe('grant select on bench_rls, bench_plain to quire_cell_app');
    await owner.unsafe('vacuum (analyze) bench_rls');
    await owner.unsafe('vacuum (analyze) bench_plain');
    const sizes = await owner<{ t: string; total: string }[]>`
      select c.relname as t, pg_size_pretty(pg_total_relation_size(c.oid)) as total
      from pg_class c where c.relname in ('bench_rls', 'bench_plain') order by 1`;
    console.log(
      `built ${ROWS.toLocaleString('en-US')} rows x 2 tables in ${fmt((nowMs() - started) / 1000, 1)} s ` +
        `(${sizes.map((s) => `${s.t} ${s.total}`).join(', ')})`,
    );
  } finally {
    await owner.end();
  }
}

async function main(): Promise<boolean> {
  db = await createBenchDatabase('rls');
  await buildTables(db.ownerUrl);
  app = createDb(db.appUrl, 1);
  const appDb = app.db;
  let ok = true;
  const check = (cond: boolean, what: string) => {
    if (!cond) {
      ok = false;
      console.log(`CHECK FAILED: ${what}`);
    }
  };

  // Sanity: every variant sees the same rows; without a tenant, RLS sees none.
  const t7 = tenantOf(7);
  for (const q of QUERIES) {
    const results = await Promise.all(
      VARIANTS.map((v) =>
        withTenantTx(appDb, t7, (tx) => tx.execute(q.build(v, t7, docId(7 + 100 * 42)))).then((r) =>
          JSON.stringify(r),
        ),
      ),
    );
    check(new Set(results).size === 1, `variants disagree on "${q.name}"`);
  }
  const [counted] = await withTenantTx(appDb, t7, (tx) =>
    tx.execute<{ n: number }>(QUERIES[0]!.build('rls', t7, '')),
  );
  check(counted?.n === ROWS / TENANTS, `tenant row count ${counted?.n} != ${ROWS / TENANTS}`);
  const [unset] = await app.sql.begin((s) => s`select count(*)::int as n from bench_rls`);
  check(unset?.n === 0, `RLS without a tenant setting sees ${unset?.n} rows (expected 0)`);

  // The plans, as the app role in a tenant transaction: every RLS query, and the cell's
  // shape (RLS + explicit predicate) for the count, where the two predicates meet.
  const explained: [Variant, QueryKind][] = [...QUERIES.map((q): [Variant, QueryKind] => ['rls', q])];
  explained.push(['rls+where', QUERIES[0]!]);
  for (const [v, q] of explained) {
    const rows = await withTenantTx(appDb, t7, (tx) =>
      tx.execute<{ 'QUERY PLAN': string }>(sql`explain (costs off) ${q.build(v, t7, docId(7 + 100 * 42))}`),
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    console.log(`\nEXPLAIN (${v}) ${q.name}:\n${plan}`);
    check(/InitPlan/.test(plan), `no InitPlan in the ${v} plan of "${q.name}"`);
    check(/Index/.test(plan) && !/Seq Scan/.test(plan), `${v} plan of "${q.name}" does not use the index`);
  }

  // Measure: per query kind, rounds of (plain, rls, rls+where) on a random tenant and id.
  const rows: (string | number)[][] = [];
  for (const q of QUERIES) {
    const times: Record<Variant, number[]> = { plain: [], rls: [], 'rls+where': [] };
    const txTimes: Record<Variant, number[]> = { plain: [], rls: [], 'rls+where': [] };
    const deadline = nowMs() + PHASE_SECONDS * 1000;
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS && nowMs() < deadline; round++) {
      const t = Math.floor(Math.random() * TENANTS);
      const tenant = tenantOf(t);
      const id = docId(t + TENANTS * (1 + Math.floor(Math.random() * (ROWS / TENANTS - 1))));
      for (const v of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
        const query = q.build(v, tenant, id);
        let queryMs = 0;
        const txStart = nowMs();
        const result = await withTenantTx(appDb, tenant, async (tx) => {
          const start = nowMs();
          const r = await tx.execute(query);
          queryMs = nowMs() - start;
          return r;
        });
        const txMs = nowMs() - txStart;
        if (result.length === 0) check(false, `${v} "${q.name}" returned no row for ${tenant}/${id}`);
        if (round >= WARMUP_ROUNDS) {
          times[v].push(queryMs);
          txTimes[v].push(txMs);
        }
      }
    }
    // Server side: planning + execution, without the client, network or protocol.
    const server: Record<Variant, number[]> = { plain: [], rls: [], 'rls+where': [] };
    const serverDeadline = nowMs() + (PHASE_SECONDS / 2) * 1000;
    for (let round = 0; round < SERVER_ROUNDS && nowMs() < serverDeadline; round++) {
      const t = Math.floor(Math.random() * TENANTS);
      const tenant = tenantOf(t);
      const id = docId(t + TENANTS * (1 + Math.floor(Math.random() * (ROWS / TENANTS - 1))));
      for (const v of VARIANTS) {
        const [row] = await withTenantTx(appDb, tenant, (tx) =>
          tx.execute<{ 'QUERY PLAN': ExplainJson }>(
            sql`explain (analyze, timing off, summary, format json) ${q.build(v, tenant, id)}`,
          ),
        );
        const [plan] = row!['QUERY PLAN'];
        server[v].push(plan!['Planning Time'] + plan!['Execution Time']);
      }
    }
    const base = summarize(times.plain);
    const serverBase = summarize(server.plain);
    for (const v of VARIANTS) {
      const s = summarize(times[v]);
      const tx = summarize(txTimes[v]);
      const sv = summarize(server[v]);
      rows.push([
        q.name,
        v,
        String(s.n),
        s.p50,
        s.p99,
        s.p50 / base.p50,
        s.p99 / base.p99,
        tx.p50,
        sv.p50,
        sv.p50 / serverBase.p50,
      ]);
    }
  }
  console.log(
    `\nrls-overhead: ${ROWS.toLocaleString('en-US')} rows, ${TENANTS} tenants, one app-role connection, ` +
      `${ROUNDS} rounds (+${WARMUP_ROUNDS} warm-up) per query; client ms per query statement, whole withTenantTx, ` +
      `and server planning + execution (${SERVER_ROUNDS} EXPLAIN ANALYZE rounds)\n`,
  );
  console.log(
    table(
      [
        'query',
        'variant',
        'n',
        'p50 ms',
        'p99 ms',
        'p50 x plain',
        'p99 x plain',
        'whole tx p50 ms',
        'server p50 ms',
        'server x plain',
      ],
      rows,
    ),
  );
  console.log(ok ? '\nchecks: ok' : '\nchecks: FAILED');
  return ok;
}

await runBench(main, async () => {
  await app?.sql.end({ timeout: 5 });
  await db?.drop();
});
