import { poolOptions } from '@quire/shared/node/pool-options';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

export type Sql = postgres.Sql;
export type Db = ReturnType<typeof createDb>['db'];
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the pool or a transaction: verbs that compose take this. */
export type Conn = Db | Tx;

/** The control plane's pool, as the app role (no DDL, the audit append-only). */
export function createDb(url: string, max = 10) {
  const sql = postgres(url, { max, ...poolOptions });
  const db = drizzle({ client: sql, schema });
  return { sql, db };
}
