import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootstrapCellDatabase, dropCellDatabase } from '../../cell/src/db/bootstrap.ts';
import { migrateCellDatabase } from '../../cell/src/db/migrate.ts';

/**
 * Runs once before the suite: the real servers must already be up (`npm test` starts
 * them through infra/local/stack.sh); a missing stack fails the run loudly, nothing skips.
 * Creates one migrated cell database for this run and drops it afterwards.
 */
export default async function setup() {
  const stackFile = fileURLToPath(new URL('../../.local/stack.json', import.meta.url));
  if (!existsSync(stackFile)) {
    throw new Error(
      `no local stack (${stackFile} is missing): run \`bash infra/local/stack.sh up\` or \`npm test\``,
    );
  }
  const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as Record<string, string>;
  for (const [key, value] of Object.entries(stack)) process.env[key] ??= value;

  const adminUrl = process.env.QUIRE_PG_ADMIN_URL!;
  const database = `quire_test_${process.pid}`;
  const { ownerUrl, appUrl } = await bootstrapCellDatabase({
    adminUrl,
    database,
    ownerPassword: 'test-owner-pw',
    appPassword: 'test-app-pw',
  });
  await migrateCellDatabase(ownerUrl);
  process.env.QUIRE_TEST_DATABASE_URL = appUrl;
  process.env.QUIRE_TEST_DATABASE_OWNER_URL = ownerUrl;
  return async () => {
    await dropCellDatabase(adminUrl, database);
  };
}
