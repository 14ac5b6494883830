import { bootstrapDatabase, dropDatabase } from '@quire/shared/node/database-bootstrap';

/**
 * The control plane's database and roles: `<db>_app` joins `quire_cp_app`, which the
 * migrations let read and write its tables and only append to the ops audit.
 */
export const APP_GROUP_ROLE = 'quire_cp_app';

export function bootstrapControlPlaneDatabase(o: {
  adminUrl: string;
  database: string;
  ownerPassword: string;
  appPassword: string;
}): Promise<{ ownerUrl: string; appUrl: string }> {
  return bootstrapDatabase({ ...o, appGroup: APP_GROUP_ROLE });
}

export const dropControlPlaneDatabase = dropDatabase;
