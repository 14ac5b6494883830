import { bootstrapDatabase, dropDatabase } from '@quire/shared/node/database-bootstrap';

/**
 * Extensions a cell database needs that only a superuser may create: RUM, the Postgres search
 * engine's ranked index (migration 0006), is not a trusted extension. The admin connection of
 * the bootstrap creates them, before the migrations that use them run as the owner.
 */
export const CELL_DATABASE_EXTENSIONS = ['rum'];

/**
 * A cell database and its roles: `<db>_app` joins `quire_cell_app`, the group the RLS
 * migrations grant to (no BYPASSRLS, owns nothing), so the app role never sees past a policy.
 */
export function bootstrapCellDatabase(o: {
  adminUrl: string;
  database: string;
  ownerPassword: string;
  appPassword: string;
}): Promise<{ ownerUrl: string; appUrl: string }> {
  return bootstrapDatabase({ ...o, appGroup: 'quire_cell_app', extensions: CELL_DATABASE_EXTENSIONS });
}

export const dropCellDatabase = dropDatabase;
