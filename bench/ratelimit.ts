/**
 * What does the rate limiter cost per request at 64 connections?
 *
 *   node_modules/.bin/node bench/ratelimit.ts [--seconds 10]
 *
 * 1. The check alone: 64 concurrent callers in one process calling `RateLimiter.take()` (the
 *    tenant and user GCRA keys in one Lua script, one Redis connection) back to back, beside
 *    the per-process fallback (`LocalGcra`, Redis unreachable) in the same run.
 * 2. Over HTTP: autocannon (child process), 64 connections on `GET /v1/me` (no database: the
 *    worst case for the limiter's share) and `GET /v1/documents/{id}` (a tenant transaction
 *    and an audit entry, as doc-get.ts) for 8 tenants,
 *    against a cell with the limiter on (limits lifted so nothing is refused) and a cell with
 *    it off (`RATE_LIMIT_ENABLED=false`), same database, same run. The cost per request is the
 *    difference of the p50/p99s. Non-2xx must be 0.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@quire/shared/log';
import { LocalGcra } from '../cell/src/rate-limit/gcra.ts';
import { type RateCheck, RateLimiter } from '../cell/src/rate-limit/limiter.ts';
import { buildTenant, uploadDoc } from '../test/support/harness.ts';
import { arg } from './lib/args.ts';
import { closedLoop } from './lib/closed-loop.ts';
import { type LoadResult, type LoadTarget, runLoad } from './lib/load.ts';
import { type BenchDatabase, createBenchDatabase, loadStack, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, summarize, table } from './lib/stats.ts';

const CONNECTIONS = 64;
const SECONDS = Number(arg('seconds', '10'));
const WARMUP_SECONDS = 2;
const TENANTS = 8;

let db: BenchDatabase | undefined;
let on: Awaited<ReturnType<typeof startBenchCell>> | undefined;
let off: Awaited<ReturnType<typeof startBenchCell>> | undefined;

async function main(): Promise<boolean> {
  const { redisUrl } = loadStack();

  // 1. The check alone.
  const limiter = new RateLimiter({ url: redisUrl, cellId: 'bench', timeoutMs: 1000, log: silentLogger });
  const checks = (k: number): RateCheck[] => {
    const tenantId = `ten_bench${k % TENANTS}`;
    return [
      { policy: 'api', subject: 'tenant', tenantId, limit: 1_000_000_000, windowSeconds: 60 },
      {
        policy: 'user',
        subject: `usr_${k % (TENANTS * 8)}`,
        tenantId,
        limit: 1_000_000_000,
        windowSeconds: 60,
      },
    ];
  };
  await limiter.take(checks(0)); // connect, load the script
  let degraded = 0;
  const redisRun = await closedLoop(CONNECTIONS, Math.min(SECONDS, 5), async (k) => {
    if ((await limiter.take(checks(k))).degraded) degraded++;
  });
  await limiter.close();
  const local = new LocalGcra();
  const localRun = await closedLoop(CONNECTIONS, Math.min(SECONDS, 5), async (k) => {
    local.take(
      checks(k).map((c) => ({
        key: `${c.tenantId}:${c.subject}`,
        intervalMs: 60_000 / c.limit,
        burst: c.limit,
      })),
    );
  });
  const r = summarize(redisRun.samples);
  const l = summarize(localRun.samples);
  console.log(`\nratelimit: ${CONNECTIONS} concurrent callers, ${availableParallelism()} cores\n`);
  console.log('The check alone (RateLimiter.take, 2 keys per check):\n');
  console.log(
    table(
      ['limiter', 'checks/s', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['Redis (one Lua script per check, 1 connection)', r.n / redisRun.elapsed, r.p50, r.p99, r.max],
        ['per-process fallback (Redis unreachable)', l.n / localRun.elapsed, l.p50, l.p99, l.max],
      ],
    ),
  );

  // 2. Over HTTP, limiter on vs off.
  db = await createBenchDatabase('ratelimit');
  on = await startBenchCell(db.appUrl);
  // The same signing keys: the tokens the first cell issues are valid on the second.
  off = await startBenchCell(db.appUrl, undefined, {
    RATE_LIMIT_ENABLED: 'false',
    SIGNING_KEY_FILE: join(on.dir, 'signing-keys.json'),
    KEYRING_DIR: join(on.dir, 'keyring'),
  });
  const me: LoadTarget[] = [];
  const docs: LoadTarget[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const { admin } = await buildTenant(on);
    me.push({ path: '/v1/me', headers: admin.headers });
    const up = await uploadDoc(on, admin, `bench document ${i}\n`);
    if (up.status !== 201) throw new Error(`upload failed: ${up.status}`);
    docs.push({ path: `/v1/documents/${up.body.document.id}`, headers: admin.headers });
  }
  const phases: [string, LoadResult][] = [];
  for (const [name, cell, targets] of [
    ['GET /v1/me, limiter off', off, me],
    ['GET /v1/me, limiter on (Redis)', on, me],
    ['GET /v1/documents/{id}, limiter off', off, docs],
    ['GET /v1/documents/{id}, limiter on (Redis)', on, docs],
  ] as const) {
    process.stderr.write(`running: ${name} …\n`);
    const result = await runLoad({
      url: cell!.url,
      targets,
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      postgresDatabase: db.database,
    });
    phases.push([name, result]);
  }
  console.log(
    `\nOver HTTP: ${TENANTS} tenants, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s:\n`,
  );
  console.log(
    table(
      ['phase', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'server CPU ms/req'],
      phases.map(([name, x]) => [
        name,
        x.rps,
        x.p50 ?? Number.NaN,
        x.p99 ?? Number.NaN,
        x.max ?? Number.NaN,
        String(x.non2xx + x.errors + x.timeouts),
        x.serverCpuMs / x.requests,
      ]),
    ),
  );
  for (const i of [0, 2]) {
    const [name, base] = phases[i]!;
    const limited = phases[i + 1]![1];
    console.log(
      `limiter cost per request, ${name.split(',')[0]}: p50 +${fmt(limited.p50 - base.p50)} ms, p99 +${fmt(limited.p99 - base.p99)} ms, ` +
        `server CPU +${fmt(limited.serverCpuMs / limited.requests - base.serverCpuMs / base.requests, 3)} ms/req, ` +
        `throughput x${fmt(limited.rps / base.rps, 3)}`,
    );
  }
  const bad = phases.filter(([, x]) => x.non2xx > 0 || x.errors > 0 || x.timeouts > 0);
  for (const [name, x] of bad) console.log(`FAIL ${name}: status codes ${JSON.stringify(x.statusCodes)}`);
  if (degraded > 0) console.log(`FAIL ${degraded} checks ran degraded (Redis did not answer in time)`);
  console.log(
    bad.length === 0 && degraded === 0 ? 'non-2xx responses: 0 (ok)' : 'non-2xx or degraded checks: FAIL',
  );
  return bad.length === 0 && degraded === 0;
}

await runBench(main, async () => {
  await on?.close();
  await off?.close();
  await db?.drop();
});
