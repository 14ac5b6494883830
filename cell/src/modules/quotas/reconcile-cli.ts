/**
 * Recounts a tenant's quota usage (storage bytes, documents, users) from its rows and reports
 * the drift from `tenant_usage`, with the cell's environment (env.ts):
 *
 *   node cell/src/modules/quotas/reconcile-cli.ts --tenant ten_x          report only
 *   node cell/src/modules/quotas/reconcile-cli.ts --tenant ten_x --fix    store the count
 *
 * Prints one JSON report; exits 0 when there is no drift (or it was fixed), 1 when there is,
 * 2 on bad usage.
 */
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { createDb } from '../../db/client.ts';
import { parseEnv } from '../../env.ts';
import { reconcileUsage } from './reconcile.ts';

const args = process.argv.slice(2);
const tenantAt = args.indexOf('--tenant');
const tenantId = tenantAt >= 0 ? args[tenantAt + 1] : undefined;
const known = new Set(['--tenant', '--fix', tenantId]);
if (!tenantId || !TENANT_ID_PATTERN.test(tenantId) || args.some((a) => !known.has(a))) {
  process.stderr.write('usage: node cell/src/modules/quotas/reconcile-cli.ts --tenant <ten_id> [--fix]\n');
  process.exit(2);
}

const env = parseEnv();
const { sql, db } = createDb(env.DATABASE_URL, 1);
try {
  const report = await reconcileUsage(db, tenantId, args.includes('--fix'));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const clean = report.fixed || (report.stored !== null && Object.values(report.drift).every((v) => v === 0));
  process.exitCode = clean ? 0 : 1;
} finally {
  await sql.end({ timeout: 5 });
}
