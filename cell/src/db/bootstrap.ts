import { bootstrapDatabase, dropDatabase } from '@quire/shared/node/database-bootstrap';

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
  return bootstrapDatabase({ ...o, appGroup: 'quire_cell_app' });
}

export const dropCellDatabase = dropDatabase;
