import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapCellDatabase } from '../../cell/src/db/bootstrap.ts';
import { migrateCellDatabase } from '../../cell/src/db/migrate.ts';
import { bootstrapControlPlaneDatabase } from '../../control-plane/src/db/bootstrap.ts';
import { migrateControlPlaneDatabase } from '../../control-plane/src/db/migrate.ts';

/**
 * The whole topology on one machine as real processes: the control plane and one process
 * per cell, each with its own Postgres database, Redis database, blob folder and keyring.
 * `npm start` (infra/local/run.sh) and the end-to-end and residency tests both use it; the
 * edge is started beside it (wrangler dev for `npm start`, Miniflare in tests).
 */

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface CellSpec {
  id: string;
  region: string;
  /** Redis logical database of this cell (each cell gets its own). */
  redisDb: number;
  /** This cell's own Redis server (URL without a database number); default the topology's `redisUrl`. */
  redisUrl?: string;
  /** This cell's own Postgres server (superuser URL); default the topology's `pgAdminUrl`. */
  pgAdminUrl?: string;
  /** More environment for this cell's processes (after the topology's `cellEnv`). */
  env?: Record<string, string>;
  port?: number;
}

export interface TopologyOptions {
  /** State folder: secrets, cell blob folders and keyrings, process logs. */
  dir: string;
  pgAdminUrl: string;
  /** Redis server URL without a database number. */
  redisUrl: string;
  /** Database names: `<prefix>_control_plane`, `<prefix>_us_1`, … */
  dbPrefix: string;
  cells: CellSpec[];
  controlPlanePort?: number;
  heartbeatSeconds?: number;
  /** Cells refuse user requests that did not come through the edge. */
  requireEdge?: boolean;
  /** Echo process output to this process' stdout (npm start) as well as capturing it. */
  echo?: boolean;
  /** More environment for every cell process (API and worker), e.g. SMTP_URL of a local mail sink. */
  cellEnv?: Record<string, string>;
  /** More control-plane environment (e.g. ADMIN_UI_DIR: where the built ops page is). */
  controlPlaneEnv?: Record<string, string>;
}

export interface Proc {
  name: string;
  url: string;
  /** Every line the process wrote (stdout and stderr), across restarts. */
  logs: string[];
  env: Record<string, string>;
  child: ChildProcess | null;
}

export interface Secrets {
  opsToken: string;
  edgeToken: string;
  assertionSecret: string;
  secretKey: string;
}

export interface Topology {
  controlPlane: Proc;
  cells: Map<string, Proc & { spec: CellSpec; dir: string; database: string; ownerUrl: string }>;
  /** Every process by name: `control-plane`, `<cell>`, `<cell>-worker`. */
  processes: Map<string, Proc>;
  controlPlaneDatabase: { name: string; ownerUrl: string };
  secrets: Secrets;
  /** Calls the control plane's admin API with the bootstrap ops token. */
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON the callers pick apart; the API's own tests check their shapes
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  start(name: string): Promise<void>;
  /** SIGKILL by default: a crash, not a shutdown. */
  stop(name: string, signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

const NODE = process.execPath;

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/** True when nothing listens on 127.0.0.1:port (we could bind it just now). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const server = createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });
}

function loadSecrets(dir: string): Secrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const token = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;
  const secrets: Secrets = {
    opsToken: token('qops'),
    edgeToken: token('qedge'),
    assertionSecret: randomBytes(32).toString('base64url'),
    secretKey: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function waitHealthy(url: string, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child && proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.logs.slice(-20).join('\n')}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} did not become healthy at ${url}:\n${proc.logs.slice(-20).join('\n')}`);
}

/** A process without an HTTP port is up once it logs that it started (and has not exited). */
async function waitStarted(proc: Proc, from = 0, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child && proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited (${proc.child.exitCode}):\n${proc.logs.slice(-20).join('\n')}`);
    if (proc.logs.slice(from).some((l) => l.includes('started'))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} did not start:\n${proc.logs.slice(-20).join('\n')}`);
}

function launch(proc: Proc, script: string, echo: boolean): void {
  const child = spawn(NODE, [join(root, script)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...proc.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (echo) process.stdout.write(chunk.replace(/^(?=.)/gm, `[${proc.name}] `));
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      proc.logs.push(...lines.filter((l) => l.trim()));
    });
  }
  proc.child = child;
}

export async function startTopology(o: TopologyOptions): Promise<Topology> {
  mkdirSync(o.dir, { recursive: true });
  const secrets = loadSecrets(o.dir);
  const echo = o.echo ?? false;
  const cpDbName = `${o.dbPrefix}_control_plane`;
  const cpDb = await bootstrapControlPlaneDatabase({
    adminUrl: o.pgAdminUrl,
    database: cpDbName,
    ownerPassword: `${cpDbName}-owner-local`,
    appPassword: `${cpDbName}-app-local`,
  });
  await migrateControlPlaneDatabase(cpDb.ownerUrl);

  const cpPort = o.controlPlanePort || (await freePort());
  const cpUrl = `http://127.0.0.1:${cpPort}`;
  const controlPlane: Proc = {
    name: 'control-plane',
    url: cpUrl,
    logs: [],
    child: null,
    env: {
      PORT: String(cpPort),
      HOST: '127.0.0.1',
      DATABASE_URL: cpDb.appUrl,
      OPS_BOOTSTRAP_TOKEN: secrets.opsToken,
      EDGE_TOKEN: secrets.edgeToken,
      SECRET_KEY: secrets.secretKey,
      HEARTBEAT_TIMEOUT_SECONDS: String(Math.max(3, (o.heartbeatSeconds ?? 2) * 3)),
      RESUME_INTERVAL_SECONDS: '2',
      LOG_LEVEL: 'info',
      ...o.controlPlaneEnv,
    },
  };

  const admin: Topology['admin'] = async (method, path, body) => {
    const res = await fetch(`${cpUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secrets.opsToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const scripts = new Map<string, string>([['control-plane', 'control-plane/src/server.ts']]);
  const procs = new Map<string, Proc>([['control-plane', controlPlane]]);
  launch(controlPlane, scripts.get('control-plane')!, echo);
  await waitHealthy(cpUrl, controlPlane);

  const cells: Topology['cells'] = new Map();
  for (const spec of o.cells) {
    const database = `${o.dbPrefix}_${spec.id.replace(/-/g, '_')}`;
    const db = await bootstrapCellDatabase({
      adminUrl: spec.pgAdminUrl ?? o.pgAdminUrl,
      database,
      ownerPassword: `${database}-owner-local`,
      appPassword: `${database}-app-local`,
    });
    await migrateCellDatabase(db.ownerUrl);
    // A slot for the cell (or a fresh credential for an existing one): shown once, kept here.
    let created = await admin('POST', '/v1/admin/cells', { id: spec.id, region: spec.region });
    if (created.status === 409) created = await admin('POST', `/v1/admin/cells/${spec.id}/credential`);
    if (created.status >= 300)
      throw new Error(`cannot open cell ${spec.id}: ${created.status} ${JSON.stringify(created.body)}`);
    const dir = join(o.dir, 'cells', spec.id);
    mkdirSync(dir, { recursive: true });
    const port = spec.port || (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const proc = {
      name: spec.id,
      url,
      logs: [],
      child: null,
      spec,
      dir,
      database,
      ownerUrl: db.ownerUrl,
      env: {
        CELL_ID: spec.id,
        CELL_REGION: spec.region,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.appUrl,
        REDIS_URL: `${(spec.redisUrl ?? o.redisUrl).replace(/\/\d*$/, '')}/${spec.redisDb}`,
        BLOB_STORE: 'fs',
        BLOB_DIR: join(dir, 'blobs'),
        KEYRING: 'local',
        KEYRING_DIR: join(dir, 'keyring'),
        JWT_ISSUER: `https://${spec.id}.cells.quire.localhost`,
        SIGNING_KEY_FILE: join(dir, 'signing-keys.json'),
        INTERNAL_API_TOKEN: created.body.credential as string,
        CONTROL_PLANE_URL: cpUrl,
        CELL_BASE_URL: url,
        CELL_CAPACITY: '1000',
        HEARTBEAT_SECONDS: String(o.heartbeatSeconds ?? 2),
        EDGE_ASSERTION_SECRET: secrets.assertionSecret,
        EDGE_ASSERTION_REQUIRED: o.requireEdge ? 'true' : 'false',
        // Local identity providers (infra/local/idp) listen on http://127.0.0.1.
        SSO_ALLOW_INSECURE_IDP: 'true',
        LOG_LEVEL: 'info',
        ...o.cellEnv,
        ...spec.env,
      } as Record<string, string>,
    };
    cells.set(spec.id, proc);
    procs.set(spec.id, proc);
    scripts.set(spec.id, 'cell/src/server.ts');
    launch(proc, 'cell/src/server.ts', echo);
    // The cell's job worker (search outbox, extraction): same environment, no HTTP port.
    const worker: Proc = { name: `${spec.id}-worker`, url: '', logs: [], child: null, env: proc.env };
    procs.set(worker.name, worker);
    scripts.set(worker.name, 'cell/src/worker.ts');
    launch(worker, 'cell/src/worker.ts', echo);
  }
  for (const cell of cells.values()) await waitHealthy(cell.url, cell);
  for (const spec of o.cells) await waitStarted(procs.get(`${spec.id}-worker`)!);
  await waitFor(async () => {
    const list = await admin('GET', '/v1/admin/cells');
    const active = (list.body?.items ?? list.body?.cells ?? []) as { id: string; status: string }[];
    return o.cells.every((s) => active.some((c) => c.id === s.id && c.status === 'active'));
  }, 'every cell registered and active at the control plane');

  const stop: Topology['stop'] = async (name, signal = 'SIGKILL') => {
    const proc = procs.get(name);
    const child = proc?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  const start: Topology['start'] = async (name) => {
    const proc = procs.get(name);
    if (!proc) throw new Error(`no process ${name}`);
    const from = proc.logs.length;
    launch(proc, scripts.get(name)!, echo);
    if (proc.url) await waitHealthy(proc.url, proc);
    else await waitStarted(proc, from);
  };
  return {
    controlPlane,
    cells,
    controlPlaneDatabase: { name: cpDbName, ownerUrl: cpDb.ownerUrl },
    processes: procs,
    secrets,
    admin,
    start,
    stop,
    async close() {
      for (const name of [...procs.keys()].reverse()) await stop(name, 'SIGTERM');
    },
  };
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
