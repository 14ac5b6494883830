/**
 * `node cell/src/db/setup-cli.ts <database>`: creates (idempotently) a cell database and
 * its roles with QUIRE_PG_ADMIN_URL, applies the migrations as the owner, and prints the
 * app role's URL for the cell's DATABASE_URL. Passwords come from the environment.
 */
import { bootstrapCellDatabase } from './bootstrap.ts';
import { migrateCellDatabase } from './migrate.ts';

const database = process.argv[2];
const adminUrl = process.env.QUIRE_PG_ADMIN_URL;
if (!database || !adminUrl) {
  console.error('usage: QUIRE_PG_ADMIN_URL=… node cell/src/db/setup-cli.ts <database>');
  process.exit(2);
}
const { ownerUrl, appUrl } = await bootstrapCellDatabase({
  adminUrl,
  database,
  ownerPassword: process.env.CELL_DB_OWNER_PASSWORD ?? `${database}-owner-local`,
  appPassword: process.env.CELL_DB_APP_PASSWORD ?? `${database}-app-local`,
});
await migrateCellDatabase(ownerUrl);
process.stdout.write(`${appUrl}\n`);
