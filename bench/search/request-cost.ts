/**
 * What each part of the OpenSearch search request costs under load. The 48-query mix of
 * run.ts on the big tenant of a kept run (`run.ts --docs 1000000 --engines opensearch --keep`
 * first), at N closed-loop clients: the request as opensearch-query.ts builds it, then with its
 * parts taken away one after the other, then as built again (the two as-built phases bound
 * the noise of the run). Prints q/s, p50/p99 and the machine's CPU per query for each step.
 *
 *   node_modules/.bin/node bench/search/request-cost.ts [--clients 16] [--seconds 12]
 *     [--index bench-kept-t-ten_bench-big]
 *
 * The stripped requests are not what users get (no snippets, facets, proximity or count):
 * they show where the CPU of a search goes, so that the next optimisation aims at the
 * largest part.
 */
import { createOpenSearchClient } from '../../cell/src/adapters/search-index/opensearch.ts';
import { buildSearch, type Dsl } from '../../cell/src/adapters/search-index/opensearch-query.ts';
import { arg } from '../lib/args.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { machineCpuMs, summarize, table } from '../lib/stats.ts';
import { BIG, queryMix } from './queries.ts';

const CLIENTS = Number(arg('clients', '16'));
const SECONDS = Number(arg('seconds', '12'));
const INDEX = arg('index', 'bench-kept-t-ten_bench-big');
const URL = process.env.QUIRE_OPENSEARCH_URL ?? 'http://127.0.0.1:9250';

type Strip = (body: Dsl) => Dsl;
const copy = (body: Dsl) => structuredClone(body);
const without =
  (key: string): Strip =>
  (body) => {
    const c = copy(body);
    delete c[key];
    return c;
  };
/** The stop-word guard is the filter clause whose words use zero_terms_query "none". */
const withoutGuard: Strip = (body) => {
  const c = copy(body);
  const bool = (c.query as { bool: { filter: Dsl[] } }).bool;
  bool.filter = bool.filter.filter((f) => !JSON.stringify(f).includes('"zero_terms_query":"none"'));
  return c;
};
const steps: [string, Strip][] = [
  ['counting the total (up to 10,000)', (b) => ({ ...copy(b), track_total_hits: false })],
  ['stop-word guard', withoutGuard],
  ['proximity rescore', without('rescore')],
  ['facet aggregations', without('aggs')],
  ['highlighted snippets', without('highlight')],
  ['hit fields from _source', (b) => ({ ...copy(b), _source: false })],
];

const client = createOpenSearchClient({ url: URL, requestTimeoutMs: 60_000 });
const bodies = queryMix(1_000_000)
  .filter((q) => q.tenant === BIG)
  .map((q) => buildSearch(q.tenant, q.query).body);

async function phase(strip: Strip) {
  const requests = bodies.map(strip);
  const cpu0 = machineCpuMs();
  const { samples, elapsed } = await closedLoop(CLIENTS, SECONDS, async (k) => {
    await client.search({ index: INDEX, body: requests[k % requests.length]! as never });
  });
  const cpu1 = machineCpuMs();
  const s = summarize(samples);
  return { qps: s.n / elapsed, p50: s.p50, p99: s.p99, cpuMs: (cpu1.busy - cpu0.busy) / s.n };
}

const exists = await client.indices.exists({ index: INDEX });
if (!exists.body) {
  console.error(`no index ${INDEX}: load it first with bench/search/run.ts --engines opensearch --keep`);
  process.exit(1);
}
console.log(
  `OpenSearch request cost: ${INDEX}, ${bodies.length} queries, ${CLIENTS} clients, ${SECONDS} s a step`,
);
await phase((b) => b); // warm-up
const rows: (string | number)[][] = [];
let strip: Strip = (b) => b;
const asBuilt = await phase(strip);
rows.push(['as built', asBuilt.qps, asBuilt.p50, asBuilt.p99, asBuilt.cpuMs, 1]);
for (const [label, next] of steps) {
  const before = strip;
  strip = (b) => next(before(b));
  const r = await phase(strip);
  rows.push([`… and without ${label}`, r.qps, r.p50, r.p99, r.cpuMs, r.qps / asBuilt.qps]);
}
const again = await phase((b) => b);
rows.push(['as built again', again.qps, again.p50, again.p99, again.cpuMs, again.qps / asBuilt.qps]);
console.log(table(['request', 'q/s', 'p50 ms', 'p99 ms', 'machine CPU ms/query', 'q/s vs as built'], rows));
await client.close();
