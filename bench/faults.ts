/**
 * Faults under load (the long run; prints figures, is not a test). Under the product's mix at a
 * fixed arrival rate (bench/load.ts) through the edge, kills with SIGKILL, one at a time, us-1's
 * API, its worker, the control plane, us-1's Postgres, its Redis and its S3/KMS endpoint (moto),
 * restarts each and prints per fault: errors in the fault window (us-1's and eu-1's), time to
 * recover, and after recovery: acknowledged writes lost, duplicate effects of a repeated
 * Idempotency-Key, time for the search index to converge with Postgres (checker.ts), orphan
 * blobs a janitor pass swept and left.
 *
 * Every server it kills is its own, started here on spare ports: a Postgres cluster per cell
 * (initdb in a temp folder; the control plane lives on eu-1's), a redis-server per cell, a
 * moto for us-1 (blobs in S3, keys in KMS; eu-1 keeps the embedded default: fs blobs, local
 * keyring). Nothing of the shared stack is touched.
 *
 *   node_modules/.bin/node bench/faults.ts [--rate 15] [--tenants 100] [--docs 2] [--down 4]
 *       [--only api,worker,control-plane,postgres,redis,moto]
 */

import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { silentLogger } from '@quire/shared/log';
import postgres from 'postgres';
import { createS3Client } from '../cell/src/adapters/blob-store/s3.ts';
import { createDeps } from '../cell/src/deps.ts';
import { parseEnv } from '../cell/src/env.ts';
import { Janitor } from '../cell/src/modules/janitor/janitor.ts';
import { checkTenant } from '../cell/src/modules/search/checker.ts';
import {
  type OwnServer,
  startOwnMoto,
  startOwnPostgres,
  startOwnRedis,
} from '../test/support/own-servers.ts';
import { startWorld, type World } from '../test/support/topology.ts';
import { arg } from './lib/args.ts';
import {
  edgeRequest,
  ledgerOf,
  type MixTenant,
  pendingOf,
  provisionTenants,
  send,
  sendUpload,
} from './lib/mix.ts';
import { breakdown } from './lib/open-loop.ts';
import { runBench } from './lib/setup.ts';
import { nowMs, table } from './lib/stats.ts';
import { runMix } from './load.ts';

const BUCKET = 'quire-faults-us-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  name: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

let world: World | undefined;
const servers: OwnServer[] = [];

async function main(): Promise<boolean> {
  const rate = Number(arg('rate', '15'));
  const downMs = Number(arg('down', '4')) * 1000;
  const only = arg('only', 'api,worker,control-plane,postgres,redis,moto').split(',');
  const tmp = mkdtempSync(join(tmpdir(), 'quire-faults-'));
  chmodSync(tmp, 0o755); // the postgres OS user must enter it
  process.stderr.write('starting own servers (2 Postgres clusters, 2 redis-servers, moto) …\n');
  const [pgUs, pgEu, redisUs, redisEu, moto] = [
    await startOwnPostgres(join(tmp, 'pg-us')),
    await startOwnPostgres(join(tmp, 'pg-eu')),
    await startOwnRedis(join(tmp, 'redis-us')),
    await startOwnRedis(join(tmp, 'redis-eu')),
    await startOwnMoto(),
  ];
  servers.push(pgUs, pgEu, redisUs, redisEu, moto);
  const aws = { AWS_ACCESS_KEY_ID: 'faults', AWS_SECRET_ACCESS_KEY: 'faults', AWS_REGION: 'us-east-1' };
  Object.assign(process.env, aws);
  const createBucket = () =>
    createS3Client({ endpoint: moto.url, region: 'us-east-1' }).send(
      new CreateBucketCommand({ Bucket: BUCKET }),
    );
  await createBucket();
  world = await startWorld({
    name: 'bench_faults',
    redisDbs: [0, 0],
    pgAdminUrl: pgEu.url,
    redisUrl: redisEu.url,
    refreshSeconds: 5,
    cellOverrides: {
      'us-1': {
        pgAdminUrl: pgUs.url,
        redisUrl: redisUs.url,
        env: {
          ...aws,
          BLOB_STORE: 's3',
          S3_ENDPOINT: moto.url,
          S3_BUCKET: BUCKET,
          KEYRING: 'kms',
          KMS_ENDPOINT: moto.url,
          SEARCH_SWEEP_SECONDS: '2',
        },
      },
      'eu-1': { env: { SEARCH_SWEEP_SECONDS: '2' } },
    },
  });
  const w = world;
  const t0 = Date.now();
  const tenants = await provisionTenants(w, {
    count: Number(arg('tenants', '100')),
    docsPerTenant: Number(arg('docs', '2')),
    prefix: `flt${Date.now().toString(36)}`,
  });
  process.stderr.write(`${tenants.length} tenants ready in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const usTenant = tenants.find((t) => t.cell === 'us-1')!;
  const topo = w.topology;

  const faults: Fault[] = [
    { name: 'us-1 API', kill: () => topo.stop('us-1'), restart: () => topo.start('us-1') },
    {
      name: 'us-1 worker',
      kill: () => topo.stop('us-1-worker'),
      restart: () => topo.start('us-1-worker'),
    },
    {
      name: 'control plane',
      kill: () => topo.stop('control-plane'),
      restart: () => topo.start('control-plane'),
    },
    { name: 'us-1 Postgres', kill: () => pgUs.kill(), restart: () => pgUs.start() },
    { name: 'us-1 Redis', kill: () => redisUs.kill(), restart: () => redisUs.start() },
    {
      // moto keeps everything in memory: its kill loses every blob and key it held (a real S3/KMS
      // does not), so it runs last and its "lost" column counts what moto itself forgot.
      name: 'us-1 S3/KMS (moto)',
      kill: () => moto.kill(),
      restart: async () => {
        await moto.start();
        await createBucket();
      },
    },
  ].filter((f) =>
    only.some((o) =>
      f.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .includes(o),
    ),
  );

  /** Recovered when a search and an upload of a us-1 tenant (and /v1/me of every cell) succeed. */
  const probe = async (): Promise<boolean> => {
    const s = await send(w, usTenant, 'search');
    const u = await send(w, usTenant, 'upload');
    return s.status === 200 && u.status === 201;
  };

  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const fault of faults) {
    process.stderr.write(`fault: ${fault.name} …\n`);
    const ledgerFrom = ledgerOf(w).length;
    const pendingFrom = pendingOf(w).length;
    let stop = false;
    const loopStart = nowMs();
    const load = runMix(w, tenants, { rate, seconds: 3_600, stop: () => stop });
    await sleep(3_000);
    const killedAt = nowMs() - loopStart;
    await fault.kill();
    await sleep(downMs);
    const restartAt = nowMs() - loopStart;
    await fault.restart();
    // A supervisor's part (systemd Restart=always, a Kubernetes restart policy): a process that
    // died of the fault without being killed is started again, and reported.
    const crashed: string[] = [];
    const supervise = async () => {
      for (const [name, p] of topo.processes) {
        const c = p.child;
        if (c && (c.exitCode !== null || c.signalCode !== null)) {
          crashed.push(
            `${name} (exit ${c.exitCode ?? c.signalCode}: ${
              p.logs
                .filter((l) => /Error|error/.test(l))
                .slice(-1)[0]
                ?.slice(0, 160) ?? ''
            })`,
          );
          await topo.start(name).catch(() => {});
        }
      }
    };
    let recovered = true;
    for (let i = 0; !(await probe().catch(() => false)); i++) {
      if (i % 10 === 0) await supervise();
      if (nowMs() - loopStart - restartAt > 90_000) {
        recovered = false;
        break;
      }
      await sleep(100);
    }
    const recoveredAt = nowMs() - loopStart;
    await sleep(3_000);
    stop = true;
    const r = await load;
    const inWindow = r.samples.filter((s) => s.at >= killedAt && s.at <= recoveredAt);
    const errors = (cell: string) => inWindow.filter((s) => !s.ok && s.info?.cell === cell).length;
    const total = (cell: string) => inWindow.filter((s) => s.info?.cell === cell).length;
    const errorsAfter = r.samples.filter((s) => s.at > recoveredAt + 1_000 && !s.ok).length;

    // Acknowledged writes: each one still there (metadata and bytes).
    const acked = ledgerOf(w);
    let lost = 0;
    await inParallel(acked, 8, async (e) => {
      const auth = { authorization: `Bearer ${e.tenant.token}` };
      const meta = await edgeRequest(w, {
        method: 'GET',
        path: `/v1/documents/${e.documentId}`,
        headers: auth,
      });
      const body = await edgeRequest(w, {
        method: 'GET',
        path: `/v1/documents/${e.documentId}/content`,
        headers: auth,
      });
      if (meta.status !== 200 || body.status !== 200) lost++;
    });
    // Repeated keys: unacknowledged uploads retried with their key, and a sample of acknowledged
    // ones replayed: each must give one document, the same one.
    let dupes = 0;
    for (const p of pendingOf(w).slice(pendingFrom)) {
      const res = await sendUpload(w, p.tenant, p);
      if (res.status === 201) {
        const documentId = (JSON.parse(res.body) as { document: { id: string } }).document.id;
        ledgerOf(w).push({ ...p, documentId });
      }
    }
    for (const e of acked.slice(ledgerFrom).slice(0, 20)) {
      const p = pendingOf(w).find((x) => x.key === e.key);
      if (p) continue;
      const body = `${e.filename.split('-')[0]} ${e.filename} ${'lorem ipsum dolor sit amet '.repeat(40)}`;
      const res = await sendUpload(w, e.tenant, { key: e.key, filename: e.filename, body });
      if (
        res.status === 201 &&
        (JSON.parse(res.body) as { document: { id: string } }).document.id !== e.documentId
      )
        dupes++;
    }
    dupes += await duplicateTitles(w, [pgUs, pgEu]);

    // The search index converges with Postgres, and a janitor pass leaves no orphan blob.
    const { converged, swept, left } = await cellChecks(w, tenants);
    rows.push([
      fault.name,
      (restartAt - killedAt) / 1000,
      recovered ? (recoveredAt - restartAt) / 1000 : 'not in 90 s',
      `${errors('us-1')}/${total('us-1')}`,
      `${errors('eu-1')}/${total('eu-1')}`,
      errorsAfter,
      lost,
      dupes,
      converged === null ? 'no (60 s)' : `${converged.toFixed(1)} s`,
      `${swept}/${left}`,
    ]);
    const statuses: Record<string, number> = {};
    for (const s of inWindow)
      if (!s.ok) statuses[`${s.info?.cell} ${s.status}`] = (statuses[`${s.info?.cell} ${s.status}`] ?? 0) + 1;
    process.stderr.write(`  ${JSON.stringify(rows.at(-1))}\n`);
    if (crashed.length > 0)
      notes.push(`${fault.name}: crashed and restarted by the supervisor: ${crashed.join('; ')}`);
    notes.push(
      `${fault.name}: error statuses in the window ${JSON.stringify(statuses)}; by operation ${JSON.stringify(breakdown(inWindow, (s) => s.info?.op ?? '?').map((b) => `${b.name} ${b.errors}/${b.n}`))}`,
    );
  }
  console.log(
    `\nfaults under load: ${tenants.length} tenants (half per cell), ${rate} requests/s open loop, each fault held ${downMs / 1000} s, then restarted`,
  );
  console.log(
    table(
      [
        'fault (kill -9)',
        'down s',
        'recover s',
        'us-1 errors/requests in window',
        'eu-1 errors/requests',
        'errors after',
        'acked writes lost',
        'duplicate effects',
        'index converged',
        'orphans swept/left',
      ],
      rows,
    ),
  );
  for (const n of notes) console.log(n);
  console.log(
    `ledger: ${ledgerOf(w).length} acknowledged uploads checked after every fault; the control plane's window counts every tenant's errors (it must be invisible).`,
  );
  return true;
}

async function inParallel<T>(items: T[], lanes: number, work: (t: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await work(t);
    }),
  );
}

/** Documents sharing a tenant and a title (every upload of the load has a unique file name): a duplicate effect. */
async function duplicateTitles(w: World, pgs: OwnServer[]): Promise<number> {
  let n = 0;
  for (const [cellId, cell] of w.topology.cells) {
    const pg = pgs[cellId === 'us-1' ? 0 : 1]!;
    const sql = postgres(pg.url.replace(/\/postgres$/, `/${cell.database}`), { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from (select tenant_id, title from documents group by 1, 2 having count(*) > 1) d`;
      n += row!.n;
    } finally {
      await sql.end();
    }
  }
  return n;
}

/** Polls the search checker of every tenant until the index matches Postgres; runs a janitor pass twice. */
async function cellChecks(w: World, tenants: MixTenant[]) {
  const started = nowMs();
  let converged: number | null = null;
  let swept = 0;
  let left = 0;
  const opened = [];
  for (const [cellId, cell] of w.topology.cells)
    opened.push({ cellId, ...(await createDeps(parseEnv(cell.env), silentLogger)) });
  try {
    while (nowMs() - started < 60_000) {
      let differences = 0;
      for (const t of tenants) {
        const d = opened.find((o) => o.cellId === t.cell)!.deps;
        const rep = await checkTenant(d, t.tenantId, { repair: false }).catch(() => null);
        differences += rep ? rep.missing + rep.stale + rep.extra : 1;
        if (differences > 0) break;
      }
      if (differences === 0) {
        converged = (nowMs() - started) / 1000;
        break;
      }
      await sleep(500);
    }
    for (const o of opened) {
      const janitor = new Janitor(o.deps, { graceMs: 0 });
      const first = await janitor.runOnce();
      swept += first.orphanBlobs + first.incompleteWrites;
      const second = await janitor.runOnce();
      left += second.orphanBlobs + second.incompleteWrites;
    }
  } finally {
    for (const o of opened) await o.close();
  }
  return { converged, swept, left };
}

await runBench(main, async () => {
  // Not world.close(): its databases live in the clusters stopped below, with everything else of this run.
  await world?.edge.close().catch(() => {});
  if (world) {
    const topo = world.topology;
    await Promise.race([topo.close().catch(() => {}), sleep(30_000)]);
    // A process that did not stop on SIGTERM in time is killed: nothing of the run outlives it.
    for (const p of topo.processes.values())
      if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
  for (const s of servers.reverse()) await s.close().catch(() => {});
});
