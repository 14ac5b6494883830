import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@quire/shared/log';
import { INTERNAL_TOKEN, type TestCell } from '../../../test/support/harness.ts';
import { createApp } from '../../src/app.ts';
import { bootstrapCellDatabase, dropCellDatabase } from '../../src/db/bootstrap.ts';
import { migrateCellDatabase } from '../../src/db/migrate.ts';
import { createDeps } from '../../src/deps.ts';
import { parseEnv } from '../../src/env.ts';

/**
 * A cell with a database of its own (`quire_test_<name>_<pid>`), in-process, plus the
 * environment to start its worker as a real process (`node cell/src/worker.ts`) that a test
 * can kill -9: the worker then sees nothing of other test files' tenants.
 */
export async function isolatedCell(name: string) {
  const database = `quire_test_${name}_${process.pid}`;
  const adminUrl = process.env.QUIRE_PG_ADMIN_URL!;
  const dir = mkdtempSync(join(tmpdir(), `quire-${name}-`));
  const urls = await bootstrapCellDatabase({
    adminUrl,
    database,
    ownerPassword: 'o-pw',
    appPassword: 'a-pw',
  });
  await migrateCellDatabase(urls.ownerUrl);
  const env: Record<string, string> = {
    CELL_ID: 'us-1',
    CELL_REGION: 'us',
    DATABASE_URL: urls.appUrl,
    REDIS_URL: process.env.QUIRE_REDIS_URL!,
    BLOB_STORE: 'fs',
    BLOB_DIR: join(dir, 'blobs'),
    KEYRING: 'local',
    KEYRING_DIR: join(dir, 'keyring'),
    JWT_ISSUER: `https://${name}.cells.test`,
    SIGNING_KEY_FILE: join(dir, 'keys.json'),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    QUEUE_PREFIX: `quire-test:${randomBytes(4).toString('hex')}`,
  };
  const parsed = parseEnv(env);
  const { deps, close } = await createDeps(parsed, silentLogger);
  const cell: TestCell = { app: createApp(deps), deps, env: parsed, dir, close };
  const children = new Set<ChildProcess>();
  return {
    cell,
    ownerUrl: urls.ownerUrl,
    /** Starts `node cell/src/worker.ts` against this cell's database. */
    startWorker(extra: Record<string, string> = {}): ChildProcess {
      const child = spawn(process.execPath, ['cell/src/worker.ts'], {
        env: { ...process.env, ...env, LOG_LEVEL: 'error', ...extra },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      await close();
      await dropCellDatabase(adminUrl, database);
    },
  };
}

export type IsolatedCell = Awaited<ReturnType<typeof isolatedCell>>;

/** kill -9, and wait until the process is really gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
