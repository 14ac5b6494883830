/**
 * What does the edge add to a request? The same authenticated GET /v1/documents/{id},
 * direct to the cell and through the edge (workerd via Miniflare, the worker bundled as
 * wrangler would), in the same run, with the control plane and two cells as real processes.
 *
 *   node_modules/.bin/node bench/edge-overhead.ts
 *
 * Phases (2 s warm-up + 10 s measured each): 1 connection (unloaded latency) and 32
 * connections (throughput), direct then through the edge. Prints p50/p99, req/s and the
 * ratios, and the control-plane calls the edge made during the measured phases once the
 * route was cached (target: zero on the hot path; a background refresh would show as a 304).
 */

import { uploadMetadata } from '../cell/src/modules/documents/upload-metadata.ts';
import { startWorld, untilRouted, type World } from '../test/support/topology.ts';
import { type LoadResult, type LoadTarget, runLoad } from './lib/load.ts';
import { loadStack, runBench } from './lib/setup.ts';
import { fmt, table } from './lib/stats.ts';

const SECONDS = 10;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 32;

let world: World | undefined;

async function main(): Promise<boolean> {
  loadStack();
  // Refresh interval longer than the whole bench: any control-plane call would be a miss.
  // The plan's rate limits (1,000 calls a minute on the standard plan) would refuse this load;
  // what is measured here is not the limiter (bench/ratelimit.ts measures it), so it is off.
  world = await startWorld({
    name: 'bench_edge',
    redisDbs: [12, 13],
    refreshSeconds: 600,
    cellEnv: { RATE_LIMIT_ENABLED: 'false' },
  });
  const t = await world.provision({ slug: 'bench-us', region: 'us' });
  await untilRouted(world, 'bench-us');
  const token = await world.login('bench-us', t.email, t.password);
  const auth = { authorization: `Bearer ${token}` };
  const up = await world.edge.fetch('http://quire.test/v1/documents', {
    method: 'POST',
    headers: {
      ...auth,
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: 'bench.txt' }),
    },
    body: 'edge overhead bench document\n',
  });
  if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${await up.text()}`);
  const docId = ((await up.json()) as { document: { id: string } }).document.id;
  const path = `/v1/documents/${docId}`;
  const cellUrl = world.topology.cells.get('us-1')!.url;
  const direct: LoadTarget[] = [{ path, headers: auth }];
  const viaEdge: LoadTarget[] = [{ path, headers: { ...auth, host: 'quire.test' } }];
  const probe = await world.edge.fetch(`http://quire.test${path}`, { headers: auth });
  if (probe.status !== 200 || probe.headers.get('x-quire-cell') !== 'us-1')
    throw new Error(`probe through the edge failed: ${probe.status} ${await probe.text()}`);
  await probe.arrayBuffer();

  const before = await world.edge.stats();
  const phases: [string, LoadResult][] = [];
  const run = async (name: string, url: string, targets: LoadTarget[], connections: number) => {
    process.stderr.write(`running: ${name} …\n`);
    phases.push([
      name,
      await runLoad({ url, targets, connections, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS }),
    ]);
  };
  await run('direct to cell, 1 connection', cellUrl, direct, 1);
  await run('through the edge, 1 connection', world.edge.url, viaEdge, 1);
  await run(`direct to cell, ${CONNECTIONS} connections`, cellUrl, direct, CONNECTIONS);
  await run(`through the edge, ${CONNECTIONS} connections`, world.edge.url, viaEdge, CONNECTIONS);
  const after = await world.edge.stats();

  console.log(
    `\nedge-overhead: GET /v1/documents/{id}, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per phase, load generator in a child process\n`,
  );
  console.log(
    table(
      ['phase', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'requests', 'non-2xx', 'errors'],
      phases.map(([name, r]) => [
        name,
        r.rps,
        r.p50,
        r.p99,
        r.max,
        String(r.requests),
        String(r.non2xx),
        String(r.errors + r.timeouts),
      ]),
    ),
  );
  const [d1, e1, dN, eN] = phases.map(([, r]) => r) as [LoadResult, LoadResult, LoadResult, LoadResult];
  console.log(
    `\nthrough the edge / direct: 1 connection p50 ${fmt(e1.p50 / d1.p50)}x (+${fmt(e1.p50 - d1.p50)} ms), ` +
      `p99 ${fmt(e1.p99 / d1.p99)}x (+${fmt(e1.p99 - d1.p99)} ms); ` +
      `${CONNECTIONS} connections req/s ${fmt(eN.rps / dN.rps)}x, p99 ${fmt(eN.p99 / dN.p99)}x`,
  );
  const calls = after.controlPlaneFetches - before.controlPlaneFetches;
  const served = e1.requests + eN.requests;
  console.log(
    `control-plane calls by the edge during ${served} measured requests (+ warm-ups): ${calls} ` +
      `(304s ${after.notModified - before.notModified}, on-demand miss refreshes ${after.missRefreshes - before.missRefreshes}, KV reads ${after.kvReads - before.kvReads})`,
  );
  const clean = phases.every(([, r]) => r.non2xx === 0 && r.errors === 0);
  if (!clean) console.error('some requests failed: see non-2xx/errors above');
  return clean;
}

await runBench(main, async () => {
  await world?.close();
});
