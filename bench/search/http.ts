/**
 * What does GET /v1/search add on top of the engine? The same queries, the same tenant, the
 * same run: first straight to the engine (the SearchIndex port, as bench/search/run.ts
 * measures), then over real HTTP through the cell (bearer token, tenant transaction, access
 * filter read, search-call rate limit in Redis, the audit entry, JSON).
 *
 *   node_modules/.bin/node bench/search/http.ts [--docs 20000] [--clients 1,16] [--seconds 10]
 *     [--engine postgres|opensearch]
 *
 * The cell's engine (Postgres by default; OpenSearch from the local stack's
 * QUIRE_OPENSEARCH_URL, indices `quire-bench-search-*`, removed at the end), one enterprise tenant (its search-call limit
 * is 10,000 a minute) whose documents are written into the index directly from the corpus of
 * bench/search/corpus.ts. The queries are run.ts's mix without its permission-restricted
 * users (those need real grants; the caller here is the tenant admin). HTTP load comes from
 * autocannon in a child process (bench/lib/load.ts). Prints p50/p99 and q/s per phase and the
 * ratio HTTP / engine; exits 1 if any HTTP answer is not 200.
 */
import type { SearchQuery } from '../../cell/src/adapters/search-index/port.ts';
import { buildTenant } from '../../test/support/harness.ts';
import { arg } from '../lib/args.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { runLoad } from '../lib/load.ts';
import {
  type BenchDatabase,
  createBenchDatabase,
  loadStack,
  runBench,
  startBenchCell,
} from '../lib/setup.ts';
import { fmt, nowMs, summarize, table } from '../lib/stats.ts';
import { makeDocument } from './corpus.ts';
import { queryMix } from './queries.ts';

const DOCS = Number(arg('docs', '20000'));
const CLIENTS = arg('clients', '1,16').split(',').map(Number);
const SECONDS = Number(arg('seconds', '10'));
const ENGINE = arg('engine', 'postgres');

/** The query as POST /v1/search's JSON body (modules/search/schemas.ts). */
export function toSearchBody(query: SearchQuery): Record<string, unknown> {
  const { terms, phrases, prefixes, excludes } = query.text;
  const q = [
    ...terms,
    ...phrases.map((p) => `"${p}"`),
    ...prefixes.map((p) => `${p}*`),
    ...excludes.map((e) => `-${e}`),
  ].join(' ');
  const f = query.filters;
  return {
    ...(q ? { q } : {}),
    ...(f.folderId ? { folderId: f.folderId } : {}),
    ...(f.includeSubfolders === false ? { includeSubfolders: false } : {}),
    ...(f.tags?.length ? { tags: f.tags } : {}),
    ...(f.authorId ? { author: f.authorId } : {}),
    ...(f.types?.length ? { types: f.types } : {}),
    ...(f.updatedFrom ? { updatedFrom: f.updatedFrom.toISOString() } : {}),
    ...(f.updatedTo ? { updatedTo: f.updatedTo.toISOString() } : {}),
    ...(f.customFields
      ? { customFields: Object.fromEntries(Object.entries(f.customFields).map(([k, v]) => [k, String(v)])) }
      : {}),
    ...(query.facets.length > 0 ? { facets: query.facets } : {}),
    sort: query.sort,
    limit: query.limit,
  };
}

let bench: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;
let tenant: string | undefined;

await runBench(
  async () => {
    loadStack();
    const osUrl = process.env.QUIRE_OPENSEARCH_URL;
    if (ENGINE === 'opensearch' && !osUrl) throw new Error('no QUIRE_OPENSEARCH_URL in .local/stack.json');
    bench = await createBenchDatabase('search_http');
    cell = await startBenchCell(bench.appUrl, 20, {
      CELL_ID: 'bench-search',
      ...(ENGINE === 'opensearch' && {
        SEARCH_ENGINE: 'opensearch',
        OPENSEARCH_URL: osUrl!,
        OPENSEARCH_REPLICAS: '0',
      }),
    });
    const { tenantId, admin } = await buildTenant(cell as never, 'enterprise');
    tenant = tenantId;
    const index = cell.deps.searchIndex;
    // Its own index in OpenSearch, as an enterprise tenant's (a no-op for Postgres).
    await index.ensureTenant(tenantId, 'schema');
    const t0 = nowMs();
    for (let from = 0; from < DOCS; from += 500) {
      const batch = [];
      for (let i = from; i < Math.min(DOCS, from + 500); i++) batch.push(makeDocument(tenantId, i));
      await index.upsert(tenantId, batch);
    }
    console.log(
      `search over HTTP vs the engine: ${DOCS.toLocaleString('en-US')} documents indexed in ${fmt((nowMs() - t0) / 1000, 1)} s (${index.engine}); ${SECONDS} s per phase`,
    );
    const queries = queryMix(DOCS).filter((nq) => nq.kind !== 'restricted user');
    const targets = queries.map((nq) => ({
      method: 'POST',
      path: '/v1/search',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      body: JSON.stringify(toSearchBody(nq.query)),
    }));
    for (const t of targets) {
      const res = await fetch(`${cell.url}${t.path}`, { headers: t.headers });
      if (res.status !== 200) throw new Error(`GET ${t.path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }

    const rows: (string | number)[][] = [];
    let ok = true;
    for (const clients of CLIENTS) {
      // The engine alone, closed loop in this process.
      const { samples, elapsed } = await closedLoop(clients, SECONDS, async (k) => {
        await index.search(tenantId, queries[k % queries.length]!.query);
      });
      const engine = summarize(samples);
      const engineQps = engine.n / elapsed;
      // The same mix over HTTP: each connection walks all the queries from its own start.
      const http = await runLoad({
        url: cell.url,
        targets,
        rotate: true,
        connections: clients,
        seconds: SECONDS,
        warmupSeconds: 2,
      });
      if (http.non2xx > 0 || http.errors > 0) {
        ok = false;
        console.log(
          `  HTTP answers that were not 200: ${JSON.stringify(http.statusCodes)}, errors ${http.errors}`,
        );
      }
      rows.push(
        [`engine, ${clients} client(s)`, engineQps, engine.p50, engine.p99, ''],
        [`GET /v1/search, ${clients} connection(s)`, http.rps, http.p50, http.p99, http.p50 / engine.p50],
      );
    }
    console.log(table(['phase', 'q/s', 'p50 ms', 'p99 ms', 'p50 ratio vs engine'], rows));
    return ok;
  },
  async () => {
    if (cell && tenant) await cell.deps.searchIndex.dropTenant(tenant).catch(() => {});
    await cell?.close();
    await bench?.drop();
  },
);
