import { fileURLToPath } from 'node:url';
import { PLAN_IDS, PLANS } from '@quire/shared/plans';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Applies the committed migrations as the owner role, then seeds the plans from the shared
 * plan table (a plan already there keeps the limits ops gave it). Safe to run on every deploy.
 */
export async function migrateControlPlaneDatabase(ownerUrl: string): Promise<void> {
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle({ client: sql }), { migrationsFolder: MIGRATIONS_DIR });
    for (const id of PLAN_IDS) {
      await sql`insert into plans (id, limits) values (${id}, ${JSON.stringify(PLANS[id])}::jsonb) on conflict (id) do nothing`;
    }
  } finally {
    await sql.end();
  }
}
