import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portIsFree } from '../../infra/local/topology.ts';

/**
 * Servers a fault test or bench starts for itself, on spare ports, so that it may kill -9
 * them: never the shared stack's (its Postgres, Redis, moto and OpenSearch serve everyone).
 * Each keeps its port across restarts, and `kill()` only ever signals the pid this module
 * spawned (or read from the pid file inside this server's own folder).
 */
export interface OwnServer {
  name: string;
  url: string;
  port: number;
  /** The pid of the running server (0 when down). */
  pid(): number;
  /** kill -9 the server, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it for good (SIGTERM, then SIGKILL). */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    // A zombie is gone for our purposes.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function killPid(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  await until(() => !alive(pid), `pid ${pid} to exit`, 30_000);
}

/** A child process we spawned and that is itself the server (redis-server, moto, java). */
function childServer(o: {
  name: string;
  port: number;
  url: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  ready: () => Promise<boolean>;
  logs: string[];
}): OwnServer {
  let child: ChildProcess | null = null;
  const pid = () => (child && child.exitCode === null && child.signalCode === null ? child.pid! : 0);
  const start = async () => {
    await until(() => portIsFree(o.port), `${o.name}'s port ${o.port} to be free`, 30_000);
    const c = spawn(o.command, o.args, {
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    for (const s of [c.stdout!, c.stderr!])
      s.on('data', (b: Buffer) => {
        o.logs.push(b.toString('utf8'));
        if (o.logs.length > 200) o.logs.shift();
      });
    child = c;
    let exited = false;
    c.once('exit', () => {
      exited = true;
    });
    await until(
      async () => {
        if (exited) return true;
        return o.ready();
      },
      `${o.name} to answer on ${o.port}`,
      120_000,
    ).catch((err) => {
      throw new Error(`${err}\n${o.logs.slice(-10).join('')}`);
    });
    if (exited) throw new Error(`${o.name} exited at start:\n${o.logs.slice(-10).join('')}`);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  return {
    name: o.name,
    url: o.url,
    port: o.port,
    pid,
    kill,
    start,
    async close() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([gone, sleep(5_000)]);
      await kill();
    },
  };
}

function which(binary: string): string {
  try {
    return execFileSync('bash', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${binary} not found: run bash infra/local/install.sh`);
  }
}

/** A redis-server of this test's own (append-only file fsynced on every write, so a kill -9 loses nothing acknowledged). */
export async function startOwnRedis(dir: string): Promise<OwnServer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const bin = which('redis-server');
  const cli = which('redis-cli');
  const server = childServer({
    name: 'redis',
    port,
    url: `redis://127.0.0.1:${port}`,
    command: bin,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--daemonize',
      'no',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
    ],
    logs: [],
    ready: async () =>
      execFileSync(cli, ['-h', '127.0.0.1', '-p', String(port), 'ping'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() === 'PONG',
  });
  await server.start();
  return server;
}

/** moto_server (S3 and KMS, in memory: a kill loses its state, which is the point of the fault). */
export async function startOwnMoto(): Promise<OwnServer> {
  const port = await freePort();
  const venv = join(process.cwd(), '.local', 'venv', 'bin', 'moto_server');
  const bin = existsSync(venv) ? venv : which('moto_server');
  const server = childServer({
    name: 'moto',
    port,
    url: `http://127.0.0.1:${port}`,
    command: bin,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    logs: [],
    ready: async () => (await fetch(`http://127.0.0.1:${port}/moto-api/`)).status < 500,
  });
  await server.start();
  return server;
}

/**
 * A Postgres cluster of this process's own: initdb in `dir` (as the `postgres` OS user when
 * running as root), trust auth on 127.0.0.1, fsync on. `kill()` SIGKILLs the postmaster read from
 * this cluster's own postmaster.pid; its backends notice and exit.
 */
export async function startOwnPostgres(dir: string): Promise<OwnServer> {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  const bin = join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
  const root = process.getuid?.() === 0;
  const asPg = (cmd: string, args: string[]) =>
    root ? (['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const) : ([cmd, args] as const);
  const port = await freePort();
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  mkdirSync(run, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(run, 0o777);
  if (root) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const [initCmd, initArgs] = asPg(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
  ]);
  // Every parent of `dir` must be enterable by the postgres OS user (mkdtemp makes 0700 folders).
  execFileSync(initCmd, [...initArgs], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  const conf = `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${run}'\nmax_connections = 300\nfsync = on\nsynchronous_commit = on\n`;
  writeFileSync(join(data, 'postgresql.auto.conf'), conf);
  if (root) execFileSync('chown', ['postgres:postgres', join(data, 'postgresql.auto.conf')]);
  const logs: string[] = [];
  let launcher: ChildProcess | null = null;
  const postmasterPid = () => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return 0;
    }
  };
  const ready = async () => {
    const { default: postgres } = await import('postgres');
    const sql = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
    });
    try {
      await sql`select 1`;
      return true;
    } finally {
      await sql.end({ timeout: 1 });
    }
  };
  const start = async () => {
    await until(() => portIsFree(port), `postgres port ${port} to be free`, 30_000);
    const [cmd, args] = asPg(join(bin, 'postgres'), ['-D', data]);
    // After a kill -9 the old backends may hold the shared memory a moment: retry the start.
    await until(
      async () => {
        if (launcher && launcher.exitCode === null && launcher.signalCode === null) return ready();
        const c = spawn(cmd, [...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        for (const s of [c.stdout!, c.stderr!]) s.on('data', (b: Buffer) => logs.push(b.toString('utf8')));
        launcher = c;
        await sleep(500);
        return ready();
      },
      'own postgres to accept connections',
      120_000,
    ).catch((err) => {
      throw new Error(`${err}\n${logs.slice(-10).join('')}`);
    });
  };
  const kill = async () => {
    const pid = postmasterPid();
    if (pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(data)) await killPid(pid);
    const l = launcher;
    if (l && l.exitCode === null && l.signalCode === null) await new Promise((r) => l.once('exit', r));
    // Backends exit when they notice the postmaster is gone; wait for every one of this cluster's.
    await until(
      () =>
        !readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .some((p) => {
            try {
              return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(data) && alive(Number(p));
            } catch {
              return false;
            }
          }),
      'own postgres processes to exit',
      30_000,
    ).catch(() => {});
  };
  await start();
  return {
    name: 'postgres',
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pid: () => (alive(postmasterPid()) ? postmasterPid() : 0),
    kill,
    start,
    async close() {
      const pid = postmasterPid();
      if (pid > 0 && alive(pid)) {
        process.kill(pid, 'SIGINT'); // fast shutdown
        await until(() => !alive(pid), 'own postgres to stop', 30_000).catch(() => kill());
      }
    },
  };
}
