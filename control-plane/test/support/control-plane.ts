import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createLogger } from '@quire/shared/log';
import postgres from 'postgres';
import { createApp } from '../../src/app.ts';
import type { Clock } from '../../src/context.ts';
import { bootstrapControlPlaneDatabase, dropControlPlaneDatabase } from '../../src/db/bootstrap.ts';
import { migrateControlPlaneDatabase } from '../../src/db/migrate.ts';
import { createDeps } from '../../src/deps.ts';
import { parseEnv } from '../../src/env.ts';

export const BOOTSTRAP_TOKEN = 'test-bootstrap-ops-token-0123456789abcdef';
export const EDGE_TOKEN = 'test-edge-token-0123456789abcdef0123456789';

/** A clock tests can move forward, to cross heartbeat windows and key retirements without waiting. */
export class TestClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** JSON requests against a control plane at `url`; `token` defaults to the bootstrap (platform-admin) token. */
export function apiClient(url: string) {
  return async function api(
    method: string,
    path: string,
    body?: unknown,
    o: { token?: string | null; headers?: Record<string, string> } = {},
  ) {
    const token = o.token === undefined ? BOOTSTRAP_TOKEN : o.token;
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json as any, headers: res.headers };
  };
}

/** What cells need from a control plane under test: its address and an API client. */
export interface ControlPlaneHandle {
  url: string;
  api: ReturnType<typeof apiClient>;
}

/** A fresh, migrated control plane database of its own (one per test file). */
export async function createControlPlaneDatabase() {
  const adminUrl = process.env.QUIRE_PG_ADMIN_URL!;
  const database = `quire_cp_t${process.pid}_${randomBytes(3).toString('hex')}`;
  const { ownerUrl, appUrl } = await bootstrapControlPlaneDatabase({
    adminUrl,
    database,
    ownerPassword: 'cp-test-owner-pw',
    appPassword: 'cp-test-app-pw',
  });
  await migrateControlPlaneDatabase(ownerUrl);
  return { adminUrl, database, ownerUrl, appUrl, drop: () => dropControlPlaneDatabase(adminUrl, database) };
}

export type CpDatabase = Awaited<ReturnType<typeof createControlPlaneDatabase>>;

export function cpEnv(db: CpDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.appUrl,
    OPS_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    EDGE_TOKEN,
    SECRET_KEY: 'a'.repeat(64),
    HEARTBEAT_TIMEOUT_SECONDS: '30',
    CELL_CALL_TIMEOUT_SECONDS: '10',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

/**
 * The control plane in-process, served over real HTTP (cells heartbeat to it), with a
 * movable clock and its log lines captured (to prove what never reaches them).
 */
export async function startControlPlane(extraEnv: Record<string, string> = {}) {
  const db = await createControlPlaneDatabase();
  const env = parseEnv(cpEnv(db, extraEnv));
  const logs: string[] = [];
  const { deps, close } = createDeps(
    env,
    createLogger('debug', { service: 'control-plane' }, (l) => logs.push(l)),
  );
  const clock = new TestClock();
  deps.clock = clock;
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const owner = postgres(db.ownerUrl, { max: 2, onnotice: () => {} });

  const api = apiClient(url);

  return {
    app,
    deps,
    env,
    db,
    url,
    logs,
    clock,
    api,
    /** The owner's connection: for assertions on tables (the app role is what the product uses). */
    owner,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await owner.end();
      await close();
      await db.drop();
    },
  };
}

export type TestControlPlane = Awaited<ReturnType<typeof startControlPlane>>;

/** Every row of every table of a database, as text: what a "no personal data here" scan reads. */
export async function dumpDatabase(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ name: string }[]>`
      select quote_ident(table_name) as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE'`;
    const parts: string[] = [];
    for (const { name } of tables) {
      const rows = await sql.unsafe(`select t::text as row from ${name} t`);
      parts.push(`== ${name}`, ...rows.map((r) => String(r.row)));
    }
    return parts.join('\n');
  } finally {
    await sql.end();
  }
}

export function uniqueSlug(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
