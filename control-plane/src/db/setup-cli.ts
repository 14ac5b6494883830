/**
 * `node control-plane/src/db/setup-cli.ts [database]`: creates (idempotently) the control
 * plane's database (default `quire_control_plane`) and its roles with QUIRE_PG_ADMIN_URL,
 * applies the migrations as the owner, seeds the plans, and prints the app role's URL for
 * DATABASE_URL. Passwords come from CP_DB_OWNER_PASSWORD / CP_DB_APP_PASSWORD.
 */
import { bootstrapControlPlaneDatabase } from './bootstrap.ts';
import { migrateControlPlaneDatabase } from './migrate.ts';

const database = process.argv[2] ?? 'quire_control_plane';
const adminUrl = process.env.QUIRE_PG_ADMIN_URL;
if (!adminUrl) {
  console.error('usage: QUIRE_PG_ADMIN_URL=… node control-plane/src/db/setup-cli.ts [database]');
  process.exit(2);
}
const { ownerUrl, appUrl } = await bootstrapControlPlaneDatabase({
  adminUrl,
  database,
  ownerPassword: process.env.CP_DB_OWNER_PASSWORD ?? `${database}-owner-local`,
  appPassword: process.env.CP_DB_APP_PASSWORD ?? `${database}-app-local`,
});
await migrateControlPlaneDatabase(ownerUrl);
process.stdout.write(`${appUrl}\n`);
