/**
 * How fast is search, for each engine, on a big tenant among many small ones?
 *
 *   node_modules/.bin/node bench/search/run.ts [--docs 1000000] [--small-tenants 99] [--small-docs 1000]
 *     [--engines postgres,opensearch] [--clients 1,16,64] [--seconds 15] [--pipeline 500]
 *     [--big-tier schema] [--keep | --drop-kept]
 *
 * `--keep` leaves the loaded data in place (database `quire_bench_search_kept`, indices
 * `bench-kept-*`) and reuses it on the next `--keep` run of the same sizes, so query changes can
 * be measured on 1,000,000 documents without loading them again (`--drop-kept`: start those
 * names over and delete them at the end).
 * The big tenant is placed as `--big-tier` (default `schema`: a million documents exceeds the
 * standard plan's 100,000, so such a tenant is professional or above and has its own index);
 * the small ones are pooled.
 *
 * Loads a deterministic corpus (bench/search/corpus.ts: Zipf vocabulary, 1-4 KB bodies, tags,
 * 1,000 folders, 50 users with mixed grants) into each engine through its SearchIndex.upsert,
 * and prints:
 *   - indexing throughput (documents/s and MB/s of text) of the engine's write path;
 *   - the real pipeline's throughput on a sample (upload → outbox → decrypt → extract →
 *     encrypted text blob → index), Postgres cell only;
 *   - query latency p50/p99 at 1, 16 and 64 concurrent clients over a rotating mix of 48
 *     distinct queries (single words of every frequency, 2-6 words, phrases, prefixes,
 *     filters with facets, permission-restricted users), then at 16 clients while documents
 *     are ingested at 50/s;
 *   - EXPLAIN ANALYZE of typical searches as the app role.
 * Queries go straight to the engine (the SearchIndex port), as GET /v1/search would after its
 * access-filter read: HTTP, auth and audit are not in these figures. Target on this 2-core
 * machine: p99 < 100 ms at 16 clients for the big tenant (product promise: < 500 ms).
 * Figures are printed, not asserted; the script exits 1 only when a correctness check fails.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IsolationTier } from '@quire/shared/plans';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import {
  createOpenSearchClient,
  OpenSearchSearchIndex,
} from '../../cell/src/adapters/search-index/opensearch.ts';
import {
  type IndexedDocument,
  type SearchIndex,
  SearchTimeoutError,
} from '../../cell/src/adapters/search-index/port.ts';
import { PostgresSearchIndex } from '../../cell/src/adapters/search-index/postgres.ts';
import { createDb } from '../../cell/src/db/client.ts';
import { withTenantTx } from '../../cell/src/db/tenant-tx.ts';
import { closeExtraction } from '../../cell/src/modules/extraction/extract.ts';
import { closePreviews } from '../../cell/src/modules/previews/render.ts';
import { SearchDrainer } from '../../cell/src/modules/search/drain.ts';
import { buildTenant, uploadDoc } from '../../test/support/harness.ts';
import { arg } from '../lib/args.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import {
  type BenchDatabase,
  createBenchDatabase,
  loadStack,
  runBench,
  startBenchCell,
} from '../lib/setup.ts';
import { fmt, nowMs, summarize, table } from '../lib/stats.ts';
import { accessOf, docIdOf, folderIdOf, makeDocument, VOCABULARY } from './corpus.ts';
import { BIG, type NamedQuery, q, queryMix, smallTenant } from './queries.ts';

const DOCS = Number(arg('docs', '100000'));
const SMALL_TENANTS = Number(arg('small-tenants', '99'));
const SMALL_DOCS = Number(arg('small-docs', '1000'));
const ENGINES = arg('engines', 'postgres,opensearch').split(',');
const CLIENTS = arg('clients', '1,16,64').split(',').map(Number);
const SECONDS = Number(arg('seconds', '15'));
const PIPELINE_DOCS = Number(arg('pipeline', '500'));
const KEEP = process.argv.includes('--keep') || process.argv.includes('--drop-kept');
const DROP_KEPT = process.argv.includes('--drop-kept');
const BIG_TIER = arg('big-tier', 'schema') as IsolationTier;
const BATCH = 500;
const INGEST_PER_SECOND = 50;

interface Engine {
  name: string;
  index: SearchIndex;
  afterLoad(): Promise<void>;
  explain?(): Promise<void>;
  close(): Promise<void>;
}

async function postgresEngine(bench: BenchDatabase): Promise<Engine> {
  const { sql: client, db } = createDb(bench.appUrl, 80);
  const index = new PostgresSearchIndex(db);
  const owner = postgres(bench.ownerUrl, { max: 1, onnotice: () => {} });
  return {
    name: 'postgres',
    index,
    async afterLoad() {
      const t0 = nowMs();
      await owner`vacuum analyze search_documents`;
      console.log(`  vacuum analyze: ${fmt((nowMs() - t0) / 1000, 1)} s`);
      const [size] = await owner`select pg_size_pretty(pg_total_relation_size('search_documents')) as total,
        pg_size_pretty(pg_relation_size('search_documents')) as heap,
        pg_size_pretty(pg_relation_size('search_documents_rum_idx')) as rum`;
      console.log(`  search_documents: ${size!.total} in all, heap ${size!.heap}, RUM index ${size!.rum}`);
    },
    async explain() {
      const plans: [string, string, boolean, string][] = [
        ['rare word, admin, ranked', VOCABULARY[8000]!, true, 'relevance'],
        ['frequent word, admin, ranked', 'contract', true, 'relevance'],
        ['frequent word, restricted user, ranked', 'contract', false, 'relevance'],
        ['frequent word, restricted user, count', 'contract', false, 'count'],
      ];
      for (const [label, term, all, order] of plans) {
        const rows = await withTenantTx(db, BIG, (tx) =>
          tx.execute<{ search_plan: string }>(sql`
            select * from search_plan(
              search_text_query(array['english'], ${`{${term}}`}::text[], null, null, null), null,
              ${all}, ${`{${folderIdOf(2, null)}}`}::text[], null, null, null, null, null, null, null, null,
              ${order}, ${order === 'count' ? 10_001 : 21}, true)`),
        );
        console.log(`\n  EXPLAIN ANALYZE as the app role, ${label}:`);
        for (const r of rows) console.log(`    ${r.search_plan}`);
      }
    },
    async close() {
      await owner.end();
      await client.end({ timeout: 5 });
    },
  };
}

async function openSearchEngine(url: string): Promise<Engine> {
  const prefix = KEEP ? 'bench-kept' : `bench-${randomBytes(3).toString('hex')}`;
  const client = createOpenSearchClient({ url, requestTimeoutMs: 120_000 });
  if (DROP_KEPT) await client.indices.delete({ index: `${prefix}-*` }).catch(() => {});
  const index = new OpenSearchSearchIndex({ client, indexPrefix: prefix, replicas: 0, refresh: false });
  return {
    name: 'opensearch',
    index,
    async afterLoad() {
      await client.indices.refresh({ index: `${prefix}-*` });
      const stats = await client.indices.stats({ index: `${prefix}-*` });
      const bytes = (stats.body as { _all: { total: { store: { size_in_bytes: number } } } })._all.total.store
        .size_in_bytes;
      console.log(`  indices ${prefix}-*: ${fmt(bytes / 1024 / 1024, 0)} MB`);
    },
    async close() {
      if (!KEEP || DROP_KEPT) await client.indices.delete({ index: `${prefix}-*` }).catch(() => {});
      await index.close();
      await client.close();
    },
  };
}

/** What a `--keep` run loaded, so the next one can tell whether the same data is there. */
const keptMarker = (engine: string) =>
  fileURLToPath(new URL(`../../.local/bench-out/search-kept-${engine}.json`, import.meta.url));
const keptShape = () => JSON.stringify({ DOCS, SMALL_TENANTS, SMALL_DOCS, BIG_TIER });

function alreadyLoaded(engine: string): boolean {
  const file = keptMarker(engine);
  return KEEP && !DROP_KEPT && existsSync(file) && readFileSync(file, 'utf8') === keptShape();
}

function markLoaded(engine: string): void {
  if (!KEEP || DROP_KEPT) return;
  mkdirSync(fileURLToPath(new URL('../../.local/bench-out/', import.meta.url)), { recursive: true });
  writeFileSync(keptMarker(engine), keptShape());
}

async function load(engine: Engine): Promise<{ docsPerSecond: number; mbPerSecond: number; docs: number }> {
  await engine.index.ensureTenant(BIG, BIG_TIER);
  for (const t of Array.from({ length: SMALL_TENANTS }, (_, i) => smallTenant(i)))
    await engine.index.ensureTenant(t, 'pooled');
  // Big-tenant batches interleaved with small-tenant batches, as a shared cell would see them.
  const jobs: { tenant: string; from: number; to: number }[] = [];
  const smallBatches = Array.from({ length: SMALL_TENANTS }, (_, i) =>
    Array.from({ length: Math.ceil(SMALL_DOCS / BATCH) }, (_, b) => ({
      tenant: smallTenant(i),
      from: b * BATCH,
      to: Math.min(SMALL_DOCS, (b + 1) * BATCH),
    })),
  ).flat();
  const bigBatches = Array.from({ length: Math.ceil(DOCS / BATCH) }, (_, b) => ({
    tenant: BIG,
    from: b * BATCH,
    to: Math.min(DOCS, (b + 1) * BATCH),
  }));
  const ratio = smallBatches.length / Math.max(1, bigBatches.length);
  let s = 0;
  for (let b = 0; b < bigBatches.length; b++) {
    jobs.push(bigBatches[b]!);
    while (s < smallBatches.length && s < (b + 1) * ratio) jobs.push(smallBatches[s++]!);
  }
  while (s < smallBatches.length) jobs.push(smallBatches[s++]!);
  let next = 0;
  let docs = 0;
  let bytes = 0;
  const t0 = nowMs();
  let lastReport = t0;
  const writer = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const batch: IndexedDocument[] = [];
      for (let i = job.from; i < job.to; i++) batch.push(makeDocument(job.tenant, i));
      await engine.index.upsert(job.tenant, batch);
      docs += batch.length;
      bytes += batch.reduce((a, d) => a + d.body.length, 0);
      if (nowMs() - lastReport > 30_000) {
        lastReport = nowMs();
        console.log(`  … ${docs} documents, ${fmt(docs / ((lastReport - t0) / 1000), 0)} docs/s`);
      }
    }
  };
  await Promise.all([writer(), writer()]);
  const seconds = (nowMs() - t0) / 1000;
  return { docsPerSecond: docs / seconds, mbPerSecond: bytes / 1024 / 1024 / seconds, docs };
}

interface Phase {
  label: string;
  clients: number;
  n: number;
  qps: number;
  p50: number;
  p99: number;
  max: number;
  byKind: Map<string, number[]>;
  byLabel: Map<string, number[]>;
  ingested: number;
  /** Searches past the plan's 10 s timeout (counted at 10 s in the percentiles). */
  timeouts: number;
}

async function measure(
  engine: Engine,
  queries: NamedQuery[],
  clients: number,
  label: string,
  ingest: boolean,
) {
  const byKind = new Map<string, number[]>();
  const byLabel = new Map<string, number[]>();
  let ingested = 0;
  let timeouts = 0;
  let stop = false;
  const ingestLoop = async () => {
    let i = DOCS + 1_000_000 + Math.floor(Math.random() * 1_000_000);
    const every = 100;
    const per = Math.max(1, Math.round((INGEST_PER_SECOND * every) / 1000));
    while (!stop) {
      const t = nowMs();
      const batch = Array.from({ length: per }, () => makeDocument(BIG, i++));
      await engine.index.upsert(BIG, batch);
      ingested += batch.length;
      const wait = every - (nowMs() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const ingester = ingest ? ingestLoop() : Promise.resolve();
  const { samples, elapsed } = await closedLoop(
    clients,
    SECONDS,
    async (k) => {
      const nq = queries[k % queries.length]!;
      try {
        await engine.index.search(nq.tenant, nq.query);
      } catch (err) {
        if (!(err instanceof SearchTimeoutError)) throw err;
        timeouts++;
      }
    },
    (k, ms) => {
      const nq = queries[k % queries.length]!;
      for (const [map, key] of [
        [byKind, nq.kind],
        [byLabel, `${nq.kind}: ${nq.label}`],
      ] as const) {
        const list = map.get(key) ?? [];
        list.push(ms);
        map.set(key, list);
      }
    },
  );
  stop = true;
  await ingester;
  const s = summarize(samples);
  const phase: Phase = {
    label,
    clients,
    n: s.n,
    qps: s.n / elapsed,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    byKind,
    byLabel,
    ingested,
    timeouts,
  };
  console.log(
    `  ${label}: ${s.n} queries, ${fmt(phase.qps, 1)} q/s, p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, max ${fmt(s.max, 0)} ms, timeouts ${timeouts}, ingested ${ingested}`,
  );
  return phase;
}

/** The pipeline end to end on a sample, through a real cell on the Postgres database. */
async function pipelineThroughput(bench: BenchDatabase): Promise<string> {
  const cell = await startBenchCell(bench.appUrl, 20);
  try {
    const { tenantId, admin } = await buildTenant(cell as never);
    const t0 = nowMs();
    for (let i = 0; i < PIPELINE_DOCS; i++) {
      const d = makeDocument('ten_pipeline', i);
      const res = await uploadDoc(cell as never, admin, d.body, { filename: `p${i}.txt`, title: d.title });
      if (res.status !== 201) throw new Error(`upload failed: ${res.status}`);
    }
    const uploadS = (nowMs() - t0) / 1000;
    const t1 = nowMs();
    const stats = await new SearchDrainer(cell.deps, { tenantIds: [tenantId], lanes: 2 }).drainUntilIdle();
    const drainS = (nowMs() - t1) / 1000;
    if (stats.indexed < PIPELINE_DOCS)
      throw new Error(`pipeline indexed ${stats.indexed} of ${PIPELINE_DOCS}`);
    return `pipeline (${PIPELINE_DOCS} text uploads, 1-4 KB): uploads ${fmt(PIPELINE_DOCS / uploadS, 0)}/s; drain (decrypt, extract in the sandbox, encrypt text, index) ${fmt(PIPELINE_DOCS / drainS, 0)} docs/s with 2 lanes`;
  } finally {
    await Promise.all([closeExtraction(), closePreviews()]);
    await cell.close();
  }
}

async function checkCorrectness(engine: Engine): Promise<boolean> {
  // A restricted user never sees a document outside their grants; totals agree with the hits.
  const access = accessOf(BIG, 25, DOCS);
  if (access.all) return false;
  const r = await engine.index.search(
    BIG,
    q('check', 'check', { terms: ['contract'] }, { access, limit: 100 }).query,
  );
  const allowed = new Set(access.folderIds);
  const topOf = (f: string) => folderIdOf(Number(f.slice(4, 7)), null);
  const ok = r.hits.every(
    (h) => h.folderId !== null && (allowed.has(h.folderId) || allowed.has(topOf(h.folderId))),
  );
  const small = await engine.index.search(smallTenant(0), q('check', 'check', { terms: ['contract'] }).query);
  const leak = small.hits.some((h) => !h.documentId.startsWith(docIdOf(smallTenant(0), 0).slice(0, 8)));
  if (!ok || leak || r.total < r.hits.length) {
    console.log(`  CORRECTNESS CHECK FAILED for ${engine.name}: restricted ok=${ok}, leak=${leak}`);
    return false;
  }
  return true;
}

let bench: BenchDatabase | undefined;
const opened: Engine[] = [];

await runBench(
  async () => {
    loadStack();
    const osUrl = process.env.QUIRE_OPENSEARCH_URL;
    const queries = queryMix(DOCS);
    console.log(
      `search bench: big tenant ${DOCS.toLocaleString('en-US')} docs + ${SMALL_TENANTS} tenants × ${SMALL_DOCS} docs; ` +
        `${queries.length} distinct queries; ${SECONDS} s per phase; clients ${CLIENTS.join('/')}`,
    );
    let ok = true;
    const summary: (string | number)[][] = [];
    for (const name of ENGINES) {
      // Its kept data is about to be dropped: forget it first, so an aborted run cannot leave a marker behind.
      if (DROP_KEPT) rmSync(keptMarker(name), { force: true });
      let engine: Engine;
      if (name === 'postgres') {
        bench = await createBenchDatabase(KEEP ? 'search_kept' : 'search', { keep: KEEP && !DROP_KEPT });
        engine = await postgresEngine(bench);
      } else if (name === 'opensearch') {
        if (!osUrl) {
          console.log('\n[opensearch] skipped: no QUIRE_OPENSEARCH_URL in .local/stack.json');
          continue;
        }
        engine = await openSearchEngine(osUrl);
      } else throw new Error(`unknown engine ${name}`);
      opened.push(engine);
      let loaded = { docsPerSecond: Number.NaN, mbPerSecond: Number.NaN, docs: 0 };
      if (alreadyLoaded(engine.name)) {
        console.log(
          `\n[${engine.name}] reusing the data a --keep run loaded (indexing throughput not measured)`,
        );
        await engine.index.ensureTenant(BIG, BIG_TIER);
      } else {
        console.log(`\n[${engine.name}] loading…`);
        loaded = await load(engine);
        console.log(
          `  indexed ${loaded.docs.toLocaleString('en-US')} documents: ${fmt(loaded.docsPerSecond, 0)} docs/s, ${fmt(loaded.mbPerSecond, 1)} MB/s of text (2 writers, batches of ${BATCH})`,
        );
        await engine.afterLoad();
        markLoaded(engine.name);
      }
      ok = (await checkCorrectness(engine)) && ok;
      for (const nq of queries) await engine.index.search(nq.tenant, nq.query); // warm-up: one of each
      const phases: Phase[] = [];
      for (const c of CLIENTS) phases.push(await measure(engine, queries, c, `${c} clients`, false));
      phases.push(await measure(engine, queries, 16, `16 clients + ingest ${INGEST_PER_SECOND}/s`, true));
      console.log(
        table(
          ['phase', 'queries', 'q/s', 'p50 ms', 'p99 ms', 'max ms', 'timeouts', 'ingested'],
          phases.map((p) => [p.label, p.n, p.qps, p.p50, p.p99, p.max, p.timeouts, p.ingested]),
        ),
      );
      const at16 = phases.find((p) => p.label === '16 clients') ?? phases[0]!;
      for (const p of phases.filter((x) => x.label === '1 clients' || x === at16)) {
        console.log(`\n  by kind at ${p.label}:`);
        console.log(
          table(
            ['kind', 'queries', 'p50 ms', 'p99 ms', 'max ms'],
            [...p.byKind].map(([k, v]) => {
              const s = summarize(v);
              return [k, s.n, s.p50, s.p99, s.max];
            }),
          ),
        );
      }
      const one = phases.find((p) => p.label === '1 clients');
      if (one) {
        console.log('\n  slowest queries at 1 client (median of their runs):');
        const per = new Map<string, number[]>();
        for (const [label, ms] of one.byLabel) per.set(label, ms);
        const rows = [...per].map(([l, v]) => [l, summarize(v).p50] as [string, number]);
        rows.sort((a, b) => b[1] - a[1]);
        console.log(table(['query', 'p50 ms'], rows.slice(0, 8)));
      }
      await engine.explain?.();
      if (engine.name === 'postgres' && PIPELINE_DOCS > 0 && bench)
        console.log(`\n  ${await pipelineThroughput(bench)}`);
      summary.push([engine.name, loaded.docsPerSecond, at16.p50, at16.p99]);
      await engine.close();
      opened.splice(opened.indexOf(engine), 1);
      if (bench) {
        await bench.drop();
        bench = undefined;
      }
    }
    console.log('\nsummary (16 clients, no ingest):');
    console.log(table(['engine', 'index docs/s', 'p50 ms', 'p99 ms'], summary));
    return ok;
  },
  async () => {
    for (const e of opened) await e.close().catch(() => {});
    await bench?.drop();
  },
);
