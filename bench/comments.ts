/**
 * Comments under load on one document: what do adding (a mention every fourth comment, so
 * notifications, outbox rows and audit entries are written too) and listing (the first page
 * of 50) cost at 32 connections?
 *
 *   node_modules/.bin/node bench/comments.ts [--connections 32] [--seconds 10]
 *
 * Load: autocannon in a child process, keep-alive connections, 2 s warm-up + 10 s measured
 * per phase: add only; list only; half and half. Baseline: GET /v1/documents/{id} on the same
 * document at the same concurrency in the same run (the cell's hottest read).
 */
import { buildTenant, buildUser, call, uploadDoc } from '../test/support/harness.ts';
import { arg } from './lib/args.ts';
import { type LoadResult, type LoadTarget, runLoad } from './lib/load.ts';
import { type BenchDatabase, createBenchDatabase, loadStack, runBench, startBenchCell } from './lib/setup.ts';
import { table } from './lib/stats.ts';

const CONNECTIONS = Number(arg('connections', '32'));
const SECONDS = Number(arg('seconds', '10'));
const WARMUP_SECONDS = 2;

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;

async function main(): Promise<boolean> {
  loadStack();
  db = await createBenchDatabase('comments');
  cell = await startBenchCell(db.appUrl);
  const { admin } = await buildTenant(cell);
  const reader = await buildUser(cell, admin, 'editor');
  const up = await uploadDoc(cell, admin, 'the document everyone comments on\n', { filename: 'hot.txt' });
  const doc = up.body.document.id as string;
  await call(cell, admin, 'POST', '/v1/grants', {
    resourceType: 'document',
    resourceId: doc,
    principalType: 'user',
    principalId: reader.userId,
    role: 'viewer',
  });
  for (let i = 0; i < 60; i++)
    await call(cell, admin, 'POST', `/v1/documents/${doc}/comments`, { body: `seed ${i}` });

  const json = { ...admin.headers, 'content-type': 'application/json' };
  const add: LoadTarget = {
    name: 'add',
    path: `/v1/documents/${doc}/comments`,
    method: 'POST',
    headers: json,
    body: JSON.stringify({ body: 'A remark on clause {{seq}}, please have a look' }),
  };
  const mention: LoadTarget = {
    name: 'add',
    path: `/v1/documents/${doc}/comments`,
    method: 'POST',
    headers: json,
    body: JSON.stringify({ body: `@[${reader.userId}] what do you think of {{seq}}?` }),
  };
  const list: LoadTarget = {
    name: 'list',
    path: `/v1/documents/${doc}/comments?limit=50`,
    headers: admin.headers,
  };
  const get: LoadTarget = { name: 'get', path: `/v1/documents/${doc}`, headers: admin.headers };

  const phases: [string, LoadResult][] = [];
  const run = async (name: string, targets: LoadTarget[], rotate = false) => {
    process.stderr.write(`running: ${name} …\n`);
    phases.push([
      name,
      await runLoad({
        url: cell!.url,
        targets,
        rotate,
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        postgresDatabase: db!.database,
      }),
    ]);
  };
  await run('baseline: GET /v1/documents/{id}', [get]);
  await run('add (1 in 4 with a mention)', [add, add, add, mention], true);
  await run('list (first page of 50)', [list]);
  await run('half add, half list', [add, list]);

  console.log(
    `\ncomments: one document, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per phase, load generator in a child process\n`,
  );
  const rows: (string | number)[][] = [];
  for (const [name, r] of phases) {
    const names = Object.keys(r.byName);
    for (const n of names.length > 0 ? names : ['all']) {
      const s = r.byName[n] ?? { n: r.requests, p50: r.p50, p99: r.p99, max: r.max };
      rows.push([
        name,
        n,
        String(s.n),
        (s.n / r.seconds) as number,
        s.p50,
        s.p99,
        s.max,
        String(r.non2xx),
        String(r.errors + r.timeouts),
      ]);
    }
  }
  console.log(
    table(['phase', 'op', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'], rows),
  );
  const after = await call(cell, admin, 'GET', `/v1/documents/${doc}/comments?limit=1`);
  return phases.every(([, r]) => r.non2xx === 0 && r.errors === 0) && after.status === 200;
}

await runBench(main, async () => {
  await cell?.close();
  await db?.drop();
});
