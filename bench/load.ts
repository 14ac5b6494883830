/**
 * The product's load, open loop: a fixed arrival rate of the mix (60 % search `POST /v1/search`,
 * 25 % read or download, 10 % upload with Upload-Metadata and an Idempotency-Key, 5 % other)
 * across many tenants in the two cells, through the edge (workerd), with the control plane and
 * both cells as real processes (Postgres of the shared stack, a redis-server of this run's own).
 * Latency is measured from each request's scheduled time (no coordinated omission).
 *
 *   node_modules/.bin/node bench/load.ts [--rate 40] [--seconds 20] [--tenants 100] [--docs 3]
 *   node_modules/.bin/node bench/load.ts --find-saturation [--start 10] [--factor 1.5]
 *       [--step-seconds 8] [--p99-ms 1000] [--max-error-rate 0.01]
 *
 * Prints achieved rate, p50/p99 per operation and per cell, errors; with --find-saturation, steps
 * the rate up until p99, errors or the achieved rate break, and prints the saturation point.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OwnServer, startOwnRedis } from '../test/support/own-servers.ts';
import { startWorld, type World } from '../test/support/topology.ts';
import { arg } from './lib/args.ts';
import { type MixTenant, type Outcome, pickOp, provisionTenants, send } from './lib/mix.ts';
import { breakdown, type OpenLoopResult, runOpenLoop } from './lib/open-loop.ts';
import { loadStack, runBench } from './lib/setup.ts';
import { fmt, summarize, table } from './lib/stats.ts';

/** Runs the mix at `rate` for `seconds` over the tenants (uniformly). */
export function runMix(
  world: World,
  tenants: MixTenant[],
  o: { rate: number; seconds: number; stop?: () => boolean; onTick?: (ms: number) => void },
): Promise<OpenLoopResult<Outcome>> {
  return runOpenLoop<Outcome>({
    rate: o.rate,
    seconds: o.seconds,
    ...(o.stop ? { stop: o.stop } : {}),
    ...(o.onTick ? { onTick: o.onTick } : {}),
    send: async () => {
      const tenant = tenants[Math.floor(Math.random() * tenants.length)]!;
      const outcome = await send(world, tenant, pickOp(Math.random()));
      return { status: outcome.status, info: outcome };
    },
  });
}

export function printRun(title: string, r: OpenLoopResult<Outcome>): void {
  const errors = r.samples.filter((s) => !s.ok).length + r.dropped;
  console.log(
    `\n${title}: target ${fmt(r.targetRate, 1)}/s, achieved ${fmt(r.achievedRate, 1)}/s over ${fmt(r.seconds, 1)} s; ` +
      `${r.completed} requests, ${errors} errors (${fmt((100 * errors) / Math.max(1, r.scheduled), 2)} %)`,
  );
  const rows = [
    ...breakdown(r.samples, (s) => s.info?.op ?? '?'),
    ...breakdown(r.samples, (s) => `cell ${s.info?.cell ?? '?'}`),
  ].map((b) => [b.name, String(b.n), String(b.errors), b.p50, b.p99] as (string | number)[]);
  const all = summarize(r.samples.filter((s) => s.ok).map((s) => s.latencyMs));
  rows.push(['all', String(r.completed), String(errors), all.p50, all.p99]);
  console.log(table(['operation', 'requests', 'errors', 'p50 ms', 'p99 ms'], rows));
  const statuses: Record<string, number> = {};
  for (const s of r.samples) if (!s.ok) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  if (errors > 0) console.log(`error statuses: ${JSON.stringify(statuses)} (0 = transport failure)`);
}

/** Starts a world on the shared Postgres and a redis-server of this run's own, with `count` tenants. */
export async function startLoadWorld(o: { name: string; tenants: number; docs: number; redis: OwnServer }) {
  const world = await startWorld({
    name: o.name,
    redisDbs: [0, 1],
    redisUrl: o.redis.url,
    refreshSeconds: 5,
  });
  const started = Date.now();
  const tenants = await provisionTenants(world, {
    count: o.tenants,
    docsPerTenant: o.docs,
    prefix: `load${Date.now().toString(36)}`,
  });
  process.stderr.write(
    `${tenants.length} tenants provisioned and seeded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return { world, tenants };
}

let world: World | undefined;
let redis: OwnServer | undefined;

async function main(): Promise<boolean> {
  loadStack();
  const tenantsWanted = Number(arg('tenants', '100'));
  redis = await startOwnRedis(mkdtempSync(join(tmpdir(), 'quire-bench-load-redis-')));
  const started = await startLoadWorld({
    name: 'bench_load',
    tenants: tenantsWanted,
    docs: Number(arg('docs', '3')),
    redis,
  });
  world = started.world;
  const { tenants } = started;
  console.log(
    `mix: 60 % search, 12.5 % read, 12.5 % download, 10 % upload, 5 % other; ${tenants.length} tenants ` +
      `(${tenants.filter((t) => t.cell === 'us-1').length} in us-1, ${tenants.filter((t) => t.cell === 'eu-1').length} in eu-1), through the edge`,
  );
  if (!process.argv.includes('--find-saturation')) {
    const r = await runMix(world, tenants, {
      rate: Number(arg('rate', '40')),
      seconds: Number(arg('seconds', '20')),
    });
    printRun('fixed rate', r);
    return true;
  }
  const p99Limit = Number(arg('p99-ms', '1000'));
  const maxErrorRate = Number(arg('max-error-rate', '0.01'));
  const factor = Number(arg('factor', '1.5'));
  const stepSeconds = Number(arg('step-seconds', '8'));
  let rate = Number(arg('start', '10'));
  const steps: (string | number)[][] = [];
  let saturation: number | null = null;
  let lastGood: number | null = null;
  for (let step = 0; step < 12; step++) {
    const r = await runMix(world, tenants, { rate, seconds: stepSeconds });
    const errors = r.samples.filter((s) => !s.ok).length + r.dropped;
    const errorRate = errors / Math.max(1, r.scheduled);
    const p99 = summarize(r.samples.filter((s) => s.ok).map((s) => s.latencyMs)).p99;
    const search = summarize(r.samples.filter((s) => s.ok && s.info.op === 'search').map((s) => s.latencyMs));
    const broken: string[] = [];
    if (p99 > p99Limit) broken.push(`p99 ${fmt(p99, 0)} ms > ${p99Limit}`);
    if (errorRate > maxErrorRate) {
      const statuses: Record<string, number> = {};
      for (const x of r.samples) if (!x.ok) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
      // 429 is the plan's quota (standard: 100 searches a minute per tenant), not the machine.
      broken.push(`errors ${fmt(100 * errorRate, 1)} % ${JSON.stringify(statuses)}`);
    }
    if (r.achievedRate < 0.9 * rate) broken.push(`achieved ${fmt(r.achievedRate, 1)}/s < 90 %`);
    steps.push([rate, r.achievedRate, search.p99, p99, errors, broken.join('; ') || 'ok']);
    process.stderr.write(`step ${rate}/s: ${broken.join('; ') || 'ok'}\n`);
    if (broken.length > 0) {
      saturation = rate;
      break;
    }
    lastGood = rate;
    rate = Math.round(rate * factor);
  }
  console.log(
    `\nsaturation search (steps of ${stepSeconds} s, p99 limit ${p99Limit} ms, errors ≤ ${100 * maxErrorRate} %):`,
  );
  console.log(table(['target/s', 'achieved/s', 'search p99 ms', 'all p99 ms', 'errors', 'verdict'], steps));
  console.log(
    saturation === null
      ? `not saturated up to ${lastGood}/s`
      : `saturation point on this machine: between ${lastGood ?? 0}/s (last rate that held) and ${saturation}/s`,
  );
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runBench(main, async () => {
    const procs = world ? [...world.topology.processes.values()] : [];
    await Promise.race([world?.close(), new Promise((r) => setTimeout(r, 30_000))]);
    // A process that did not stop on SIGTERM in time is killed: nothing of the run outlives it.
    for (const p of procs)
      if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await redis?.close();
  });
}
