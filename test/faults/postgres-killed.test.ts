import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../cell/src/db/client.ts';
import { withTenantTx } from '../../cell/src/db/tenant-tx.ts';
import { eventually } from '../support/eventually.ts';
import { type OwnServer, startOwnPostgres } from '../support/own-servers.ts';

/**
 * Postgres killed with kill -9 while transactions are in flight on the cell's pool (the pool the
 * API and the worker use, `createDb`). postgres.js 3.4.9 then wrote the transactions' automatic
 * ROLLBACK to the socket it had just dropped, from a timer outside every promise: an uncaught
 * TypeError that ended the cell's process, and a pool that never reconnected (upstream
 * porsager/postgres#1154, #1208); a reserved connection that closed kept its holder's next
 * query (the tenant transaction's ROLLBACK) waiting forever and went back to the pool dead.
 * `patches/postgres+3.4.9.patch` (applied by `npm ci`'s postinstall) fixes both. Here: every in-flight transaction fails with a connection error
 * the API turns into a 503, nothing escapes as an uncaught exception, and the same pool serves
 * again once Postgres is back. The cluster is this test's own, never the shared stack's.
 */
let pg: OwnServer;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-faults-pg-'));
  chmodSync(dir, 0o755); // the postgres OS user must enter it
  pg = await startOwnPostgres(dir);
  process.on('uncaughtException', onUncaught);
}, 120_000);

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await pg?.close();
}, 60_000);

describe('kill -9 of Postgres under open transactions', () => {
  it('fails the transactions cleanly, crashes nothing, and the pool reconnects after the restart', async () => {
    const { sql, db } = createDb(pg.url, 8);
    try {
      // Both ways the cell holds a transaction: a tenant transaction (a reserved connection, the
      // road of every repository) and postgres.js's own sql.begin.
      const viaTenantTx = Array.from({ length: 4 }, () =>
        withTenantTx(db, 'ten_faults-pg', async (tx) => {
          await tx.conn`select pg_sleep(30)`;
        }),
      );
      const viaBegin = Array.from({ length: 2 }, () =>
        sql.begin(async (tx) => {
          await tx`select pg_sleep(30)`;
        }),
      );
      const settled = Promise.allSettled([...viaTenantTx, ...viaBegin]);
      await new Promise((r) => setTimeout(r, 700));
      await pg.kill();
      // Each settles at once (a tenant transaction's rollback on the dropped connection used to
      // wait forever, holding its connection out of the pool).
      const outcomes = await settled;
      for (const o of outcomes) {
        expect(o.status).toBe('rejected');
        const code = (o as PromiseRejectedResult).reason?.code;
        expect(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'ECONNREFUSED', 'ECONNRESET']).toContain(code);
      }
      // Let the deferred writes of the rollbacks run: they used to throw from the immediate queue.
      await new Promise((r) => setTimeout(r, 200));
      expect(uncaught).toEqual([]);

      await pg.start();
      const one = await eventually(
        async () => (await sql`select 1 as one`)[0]?.one,
        'the pool to serve again',
        {
          timeoutMs: 30_000,
        },
      );
      expect(one).toBe(1);
      // Every connection of the pool works again, not only one.
      const many = await Promise.all(Array.from({ length: 16 }, () => sql`select pg_backend_pid() as pid`));
      expect(many.every((r) => typeof r[0]?.pid === 'number')).toBe(true);
      expect(uncaught).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 120_000);
});
