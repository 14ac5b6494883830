import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import type { Query } from 'drizzle-orm';
import { NoopCache } from 'drizzle-orm/cache/core';
import type { WithCacheConfig } from 'drizzle-orm/cache/core/types';
import { NoopLogger } from 'drizzle-orm/logger';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SelectedFieldsOrdered } from 'drizzle-orm/pg-core/query-builders/select.types';
import type { PgPreparedQuery, PgTransactionConfig, PreparedQueryConfig } from 'drizzle-orm/pg-core/session';
import { PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js/session';
import type { ExtractTablesWithRelations } from 'drizzle-orm/relations';
import type postgres from 'postgres';
import type { Db } from './client.ts';
import type * as schema from './schema/index.ts';

type Schema = typeof schema;
type Relations = ExtractTablesWithRelations<Schema>;
/** One pooled connection, held for one transaction; its queries are pipelined in call order. */
export type Conn = postgres.ReservedSql<Record<string, never>>;

const ignore = () => {};
const dialect = new PgDialect();
const sessionOptions = { logger: new NoopLogger(), cache: new NoopCache() };

/**
 * drizzle's postgres.js session with every query a named prepared statement: postgres.js
 * then parses and plans each distinct query once per connection, and sends later ones as
 * Bind/Execute only (drizzle's default, an unnamed statement described first, costs a
 * round trip of its own on every call).
 */
class PreparedSession extends PostgresJsSession<postgres.Sql, Schema, Relations> {
  override prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => T['execute'],
    queryMetadata?: { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] },
    cacheConfig?: WithCacheConfig,
  ): PgPreparedQuery<T> {
    return super.prepareQuery<T>(
      query,
      fields,
      name ?? '',
      isResponseInArrayMode,
      customResultMapper,
      queryMetadata,
      cacheConfig,
    );
  }
}

/**
 * The reserved connection, with every statement sent the moment it is created. postgres.js
 * otherwise sends a statement at its first `then`, and `await` calls `then` a microtask
 * later, so two statements created in one order could reach the server in the other (a
 * COMMIT overtaking the reads it should follow). Here wire order is creation order.
 */
function inCreationOrder(conn: Conn): Conn {
  const send = <Q>(q: Q): Q => {
    (q as { execute?: () => unknown }).execute?.();
    return q;
  };
  const ordered = ((...args: Parameters<Conn>) => send(conn(...args))) as Conn;
  return Object.assign(ordered, conn, {
    unsafe: ((...args: Parameters<Conn['unsafe']>) => send(conn.unsafe(...args))) as Conn['unsafe'],
  });
}

/**
 * A tenant transaction: drizzle's query API over one reserved connection. `conn` runs raw
 * postgres.js statements in the same transaction. Nested `transaction()` is a savepoint.
 */
export class TenantTx extends PostgresJsTransaction<Schema, Relations> {
  readonly conn: Conn;
  private savepoints = 0;
  /** Set by `commitWithPending()`: the COMMIT already sent behind the last statement. */
  committed: ReturnType<Conn> | null = null;

  constructor(reserved: Conn) {
    const conn = inCreationOrder(reserved);
    const session = new PreparedSession(conn as unknown as postgres.Sql, dialect, undefined, sessionOptions);
    super(
      dialect,
      session as unknown as ConstructorParameters<typeof PostgresJsTransaction<Schema, Relations>>[1],
      undefined,
    );
    this.conn = conn;
  }

  /**
   * Sends COMMIT right behind the statements already sent, in the same write: for work whose
   * only reads went out with `begin` (one round trip in all). Nothing may be sent after it.
   */
  commitWithPending(): void {
    if (this.committed) return;
    this.committed = this.conn`commit`;
    this.committed.catch(ignore);
  }

  override async transaction<T>(
    work: (tx: TenantTx) => Promise<T>,
    _config?: PgTransactionConfig,
  ): Promise<T> {
    const name = `sp${this.savepoints++}`;
    await this.conn.unsafe(`savepoint ${name}`);
    try {
      const result = await work(this);
      await this.conn.unsafe(`release savepoint ${name}`);
      return result;
    } catch (err) {
      await this.conn.unsafe(`rollback to savepoint ${name}`);
      throw err;
    }
  }
}

export type Tx = TenantTx;

export interface TxOptions {
  /**
   * The work only reads: the transaction is `read only` (a write fails), and its commit is
   * sent without being waited for: nothing depends on it, so the caller answers one round
   * trip sooner. The connection goes back to the pool once the commit has been answered.
   */
  readOnly?: boolean;
  /** Every statement reads the same snapshot (REPEATABLE READ): for reports that must add up. */
  snapshot?: boolean;
}

/**
 * The only road from a repository to the database. It opens a transaction and binds the
 * tenant transaction-locally (`set_config(…, true)`), so RLS policies see it and a pooled
 * connection never carries it into the next request. No tenant, no query.
 *
 * `begin`, the tenant setting and the work's first queries are sent together (postgres.js
 * pipelines statements issued on one connection before a round trip completes), so a
 * request whose work starts with its reads pays one round trip for all of them. Order on
 * the connection is call order: nothing the work sends can run before the setting.
 */
export async function withTenantTx<T>(
  db: Db,
  tenantId: string,
  work: (tx: Tx) => Promise<T>,
  options: TxOptions = {},
): Promise<T> {
  assertTenantId(tenantId);
  const reserved = (await db.$client.reserve()) as Conn;
  const tx = new TenantTx(reserved);
  const { conn } = tx;
  const opening = [
    options.snapshot
      ? options.readOnly
        ? conn`begin isolation level repeatable read read only`
        : conn`begin isolation level repeatable read`
      : options.readOnly
        ? conn`begin read only`
        : conn`begin`,
    conn`select set_config('app.tenant_id', ${tenantId}, true)`,
  ];
  for (const q of opening) q.catch(ignore); // their errors are read below
  let released = false;
  try {
    const result = await work(tx);
    await Promise.all(opening);
    const commit = tx.committed ?? conn`commit`;
    if (options.readOnly) {
      released = true;
      commit.then(
        () => reserved.release(),
        () => reserved.release(),
      );
      return result;
    }
    const done = await commit;
    // A statement the work sent without waiting for it failed: the server turned COMMIT into
    // ROLLBACK. Nothing was written; say so instead of reporting success.
    if (done.command === 'ROLLBACK') {
      throw new Error('transaction rolled back: a statement in it failed');
    }
    return result;
  } catch (err) {
    const failedToOpen = await firstRejection(opening);
    await conn`rollback`.catch(ignore);
    throw failedToOpen ?? err;
  } finally {
    if (!released) reserved.release();
  }
}

/**
 * The second road, for the hottest reads only: one statement calling a SQL function that
 * sets the tenant itself, first (`tenant_enter()`, migration 0007), then reads, all in the
 * statement's implicit transaction. One statement instead of five (begin, setting, actor,
 * read, commit) costs a third of the CPU on both sides. The tenant id is checked here and
 * again by tenant_enter().
 */
export function tenantStatement(db: Db, tenantId: string): postgres.Sql {
  assertTenantId(tenantId);
  return db.$client;
}

function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new Error('a tenant id is required: a query without tenant context is refused');
  }
}

async function firstRejection(queries: Promise<unknown>[]): Promise<unknown> {
  for (const q of queries) {
    try {
      await q;
    } catch (err) {
      return err;
    }
  }
  return undefined;
}
