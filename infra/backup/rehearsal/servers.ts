import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../local/topology.ts';

export { freePort };

/**
 * Throwaway servers for the rehearsal, in its own temp folder and on free ports: it never
 * touches the local stack. Postgres runs as the `postgres` OS user when we are root (initdb and
 * the server refuse root), so every folder it needs sits where that user can enter (/var/tmp,
 * not root's home, which is mode 700 on Debian).
 */
const run = promisify(execFile);
const PG_OS_USER = process.env.QUIRE_PG_OS_USER ?? 'postgres';
const isRoot = process.getuid?.() === 0;

export function pgBinDir(): string {
  if (process.env.QUIRE_PG_BIN) return process.env.QUIRE_PG_BIN;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`))
    : [];
  const best = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!best)
    throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin; set QUIRE_PG_BIN)');
  return `/usr/lib/postgresql/${best}/bin`;
}

/** Runs a Postgres binary as the server's OS user (root) or as ourselves; fails with its output. */
export async function asPgUser(binary: string, args: string[]): Promise<string> {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', PG_OS_USER, '--', binary, ...args]] : [binary, args];
  try {
    const { stdout } = await run(cmd, argv, { cwd: '/', maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `${binary.split('/').pop()} ${args[0] ?? ''} failed: ${e.stderr || e.stdout || e.message}`,
    );
  }
}

async function pgUserIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', PG_OS_USER]);
  const { stdout: g } = await run('id', ['-g', PG_OS_USER]);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

export async function giveToPgUser(path: string): Promise<void> {
  if (!isRoot) return;
  const { uid, gid } = await pgUserIds();
  chownSync(path, uid, gid);
}

/** A folder the server's OS user owns and can enter (its parents must be world-traversable). */
export async function pgFolder(path: string): Promise<string> {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  await giveToPgUser(path);
  return path;
}

export interface Cluster {
  data: string;
  port: number;
  socketDir: string;
  log: string;
  /** Superuser URL (TCP, scram) of database `db`. */
  url(db?: string): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function clusterHandle(o: { data: string; port: number; socketDir: string; log: string; password: string }) {
  const bin = pgBinDir();
  const handle: Cluster = {
    ...o,
    url: (db = 'postgres') => `postgres://postgres:${o.password}@127.0.0.1:${o.port}/${db}`,
    restart: async () => {
      await asPgUser(`${bin}/pg_ctl`, ['-D', o.data, '-l', o.log, '-w', '-t', '60', '-m', 'fast', 'restart']);
    },
    stop: async () => {
      await asPgUser(`${bin}/pg_ctl`, ['-D', o.data, '-w', '-t', '60', '-m', 'fast', 'stop']).catch(() => {});
    },
  };
  return handle;
}

/**
 * A new cluster in `dir` (initdb), started on a free port, TCP on 127.0.0.1 with a password.
 * 1 MB WAL segments (production keeps 16 MB): the same archiving, a fraction of the bytes to copy.
 */
export async function createCluster(dir: string, o: { noFsync?: boolean } = {}): Promise<Cluster> {
  const bin = pgBinDir();
  await pgFolder(dir);
  const data = join(dir, 'data');
  const socketDir = await pgFolder(join(dir, 'run'));
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  await giveToPgUser(pwfile);
  await asPgUser(`${bin}/initdb`, [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
    '--wal-segsize=1',
  ]);
  const port = await freePort();
  const conf = [
    '',
    '# infra/backup rehearsal: a throwaway cluster.',
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir}'`,
    'max_connections = 60',
    'shared_buffers = 32MB',
    `fsync = ${o.noFsync ? 'off' : 'on'}`,
    '',
  ].join('\n');
  await asPgUser('/bin/sh', ['-c', `printf '%s' "$1" >> "$2"`, 'sh', conf, join(data, 'postgresql.conf')]);
  const log = join(dir, 'postgres.log');
  await asPgUser(`${bin}/pg_ctl`, ['-D', data, '-l', log, '-w', '-t', '60', 'start']);
  return clusterHandle({ data, port, socketDir, log, password });
}

/** A handle on a cluster someone else started (restore-pg.sh), to stop it. */
export function existingCluster(o: {
  data: string;
  port: number;
  socketDir: string;
  password: string;
}): Cluster {
  return clusterHandle({ ...o, log: `${o.data}.log` });
}

/** A throwaway redis-server (no persistence) on a free port; the cell needs one. */
export async function startRedis(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`redis-server could not start: ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready`)));
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await Promise.race([
      run('redis-cli', ['-p', String(port), 'ping']).then(
        (r) => r.stdout.trim() === 'PONG',
        () => false,
      ),
      failed,
    ]);
    if (ok) break;
    if (Date.now() > deadline) throw new Error('redis-server was not ready after 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  failed.catch(() => {});
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
