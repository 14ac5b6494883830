import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { silentLogger } from '@quire/shared/log';
import { createApp } from '../../cell/src/app.ts';
import { bootstrapCellDatabase, dropCellDatabase } from '../../cell/src/db/bootstrap.ts';
import { migrateCellDatabase } from '../../cell/src/db/migrate.ts';
import { createDeps } from '../../cell/src/deps.ts';
import { parseEnv } from '../../cell/src/env.ts';
import { INTERNAL_TOKEN } from '../../test/support/harness.ts';

/** Reads the running local stack (`.local/stack.json`) into process.env; fails loudly without it. */
export function loadStack(): { adminUrl: string; redisUrl: string } {
  const file = fileURLToPath(new URL('../../.local/stack.json', import.meta.url));
  if (!existsSync(file)) {
    throw new Error(`no local stack (${file} is missing): run \`bash infra/local/stack.sh up\` first`);
  }
  const stack = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [key, value] of Object.entries(stack)) process.env[key] ??= value;
  const adminUrl = process.env.QUIRE_PG_ADMIN_URL;
  const redisUrl = process.env.QUIRE_REDIS_URL;
  if (!adminUrl || !redisUrl) throw new Error(`${file} lacks QUIRE_PG_ADMIN_URL or QUIRE_REDIS_URL`);
  return { adminUrl, redisUrl };
}

export interface BenchDatabase {
  database: string;
  ownerUrl: string;
  appUrl: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated cell database `quire_bench_<name>` with its owner and app roles (a leftover
 * of an aborted run is dropped first). With `keep`, an existing one is reused (migrated, roles
 * re-keyed) and `drop()` leaves it in place, so a bench can skip reloading its data.
 */
export async function createBenchDatabase(
  name: string,
  options: { keep?: boolean } = {},
): Promise<BenchDatabase> {
  const { adminUrl } = loadStack();
  const database = `quire_bench_${name}`;
  if (!options.keep) await dropCellDatabase(adminUrl, database);
  const { ownerUrl, appUrl } = await bootstrapCellDatabase({
    adminUrl,
    database,
    ownerPassword: randomBytes(12).toString('hex'),
    appPassword: randomBytes(12).toString('hex'),
  });
  await migrateCellDatabase(ownerUrl);
  return {
    database,
    ownerUrl,
    appUrl,
    drop: options.keep ? async () => {} : () => dropCellDatabase(adminUrl, database),
  };
}

export type FetchHandler = Parameters<typeof serve>[0]['fetch'];

/**
 * Serves a fetch handler over real HTTP on an ephemeral 127.0.0.1 port. `stop()` closes
 * the listener and connections, then waits for handlers still running (a load tool that
 * stops mid-request leaves some) so the caller can close the database pool after them.
 */
export function listen(fetch: FetchHandler): Promise<{ url: string; stop(): Promise<void> }> {
  let inFlight = 0;
  const counted: FetchHandler = async (req, env) => {
    inFlight++;
    try {
      return await fetch(req, env);
    } finally {
      inFlight--;
    }
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: counted, hostname: '127.0.0.1', port: 0 }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        stop: async () => {
          const closed = new Promise<void>((done) => server.close(() => done()));
          if ('closeAllConnections' in server) server.closeAllConnections();
          await closed;
          for (const deadline = Date.now() + 15_000; inFlight > 0 && Date.now() < deadline; ) {
            await new Promise((r) => setTimeout(r, 20));
          }
        },
      });
    });
    server.once('error', reject);
  });
}

/**
 * A real cell as `cell/src/server.ts` builds it (production pool size by default), with
 * fs blobs and a local keyring in a temp dir, listening on an ephemeral port. The shape
 * matches the test harness's TestCell, so `buildTenant()` and friends work on it.
 */
export async function startBenchCell(
  appUrl: string,
  poolSize?: number,
  extraEnv: Record<string, string> = {},
) {
  const { redisUrl } = loadStack();
  const dir = mkdtempSync(join(tmpdir(), 'quire-bench-'));
  const env = parseEnv({
    CELL_ID: 'us-1',
    CELL_REGION: 'us',
    DATABASE_URL: appUrl,
    DATABASE_POOL_SIZE: poolSize === undefined ? undefined : String(poolSize),
    REDIS_URL: redisUrl,
    BLOB_STORE: 'fs',
    BLOB_DIR: join(dir, 'blobs'),
    KEYRING: 'local',
    KEYRING_DIR: join(dir, 'keyring'),
    JWT_ISSUER: 'https://us-1.cells.bench',
    SIGNING_KEY_FILE: join(dir, 'signing-keys.json'),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    // Benches measure the work, not refusals: a user's share of the plan is lifted (see below).
    RATE_LIMIT_USER_PER_MINUTE: '10000000',
    ...extraEnv,
  });
  const { deps, close: closeDeps } = await createDeps(env, silentLogger);
  // The plans' rate limits lifted but finite, as a control plane's config would set them: every
  // request still pays for its limiter check, none is refused (bench/ratelimit.ts measures both).
  const lifted = { apiCallsPerMinute: 1_000_000_000, searchCallsPerMinute: 1_000_000_000 };
  await deps.config.replace({
    version: 'bench',
    plans: { standard: lifted, professional: lifted, enterprise: lifted },
    tenants: [],
  });
  const app = createApp(deps);
  const server = await listen(app.fetch);
  const close = async () => {
    await server.stop();
    await closeDeps();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, deps, env, dir, url: server.url, close };
}

/** Runs `main`, always running `cleanup` (even on failure or Ctrl-C), then exits with main's verdict. */
export async function runBench(main: () => Promise<boolean>, cleanup: () => Promise<void>): Promise<never> {
  let cleaned = false;
  const once = async () => {
    if (cleaned) return;
    cleaned = true;
    await cleanup().catch((e) => console.error('cleanup failed:', e));
  };
  process.once('SIGINT', () => void once().then(() => process.exit(130)));
  let ok = false;
  try {
    ok = await main();
  } catch (err) {
    console.error(err);
  } finally {
    await once();
  }
  process.exit(ok ? 0 : 1);
}
