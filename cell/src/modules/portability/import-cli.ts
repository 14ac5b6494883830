/**
 * `node cell/src/modules/portability/import-cli.ts --tenant ten_x --file export.zip`
 *
 * Loads a tenant export (the zip of a portability export of scope tenant, e.g. the one made at
 * offboarding, or a customer migrating from another Quire) into an EMPTY tenant of this cell:
 * run with the cell's environment (DATABASE_URL, REDIS_URL, BLOB_*, KEYRING_*). Refuses a tenant
 * that already holds folders, documents, groups, grants, comments or more users than its first
 * admin. Prints the counts as JSON. Exit 0 ok, 1 refused or failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { errorFields } from '@quire/shared/error-log';
import { QuireError } from '@quire/shared/errors';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { createDeps } from '../../deps.ts';
import { parseEnv } from '../../env.ts';
import { importTenantExport } from './import.ts';

const { values } = parseArgs({
  options: { tenant: { type: 'string' }, file: { type: 'string' } },
  strict: true,
});
if (!values.tenant || !TENANT_ID_PATTERN.test(values.tenant) || !values.file) {
  process.stderr.write('usage: import-cli.ts --tenant ten_x --file export.zip\n');
  process.exit(2);
}
const { deps, close } = await createDeps(parseEnv());
let code = 0;
try {
  const result = await importTenantExport(deps, values.tenant, values.file);
  process.stdout.write(`${JSON.stringify({ tenantId: result.tenantId, counts: result.counts })}\n`);
} catch (err) {
  code = 1;
  if (err instanceof QuireError) process.stderr.write(`error: ${err.code}: ${err.message}\n`);
  else process.stderr.write(`error: ${JSON.stringify(errorFields(err))}\n`);
} finally {
  await close();
}
process.exit(code);
