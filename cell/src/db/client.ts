import { poolOptions } from '@quire/shared/node/pool-options';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

export type Sql = postgres.Sql;
export type Db = ReturnType<typeof createDb>['db'];

/** The app's pool: connects as the app role, so RLS always applies. */
export function createDb(url: string, max = 20) {
  const sql = postgres(url, { max, ...poolOptions });
  const db = drizzle({ client: sql, schema });
  return { sql, db };
}
