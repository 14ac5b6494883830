/**
 * Per-tenant search consistency check and rebuild, with the cell's environment (env.ts):
 *
 *   node cell/src/modules/search/rebuild-cli.ts --tenant ten_x --check-only   compare, report, change nothing
 *   node cell/src/modules/search/rebuild-cli.ts --tenant ten_x --repair       queue fixes for the differences only
 *   node cell/src/modules/search/rebuild-cli.ts --tenant ten_x [--drop]       re-index the tenant (in place, or
 *                                                                              after emptying its index)
 *   node cell/src/modules/search/rebuild-cli.ts --migrate-mappings           (deploy step) move every OpenSearch
 *                                                                              index of this cell that predates the
 *                                                                              code's mapping version to a new one
 *                                                                              (reindex, alias swap, no gap in answers)
 *
 * Prints one JSON report; exits 0 when the index matches Postgres afterwards (for
 * --check-only: when it already did; for --migrate-mappings: when it is done), 1 otherwise,
 * 2 on bad usage.
 */
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { createDeps } from '../../deps.ts';
import { parseEnv } from '../../env.ts';
import { closeExtraction } from '../extraction/extract.ts';
import { closePreviews } from '../previews/render.ts';
import { checkTenant, rebuildTenant } from './checker.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);

if (args.length === 1 && args[0] === '--migrate-mappings') {
  const { deps, close } = await createDeps(parseEnv());
  try {
    const index = deps.searchIndex;
    let migrated: string[] = [];
    if (index.engine === 'opensearch') {
      // Loaded only here, as createSearchIndex does: a Postgres cell never loads the client.
      const { OpenSearchSearchIndex } = await import('../../adapters/search-index/opensearch.ts');
      if (index instanceof OpenSearchSearchIndex) migrated = await index.migrateMappings();
    }
    process.stdout.write(`${JSON.stringify({ engine: index.engine, migrated })}\n`);
  } finally {
    await close();
  }
  process.exit(0);
}

const tenantAt = args.indexOf('--tenant');
const tenantId = tenantAt >= 0 ? args[tenantAt + 1] : undefined;
const known = new Set(['--tenant', '--check-only', '--repair', '--drop', tenantId]);
if (!tenantId || !TENANT_ID_PATTERN.test(tenantId) || args.some((a) => !known.has(a))) {
  process.stderr.write(
    'usage: node cell/src/modules/search/rebuild-cli.ts --tenant <ten_id> [--check-only | --repair | --drop]\n' +
      '       node cell/src/modules/search/rebuild-cli.ts --migrate-mappings\n',
  );
  process.exit(2);
}

const { deps, close } = await createDeps(parseEnv());
let clean = false;
try {
  if (flag('--check-only') || flag('--repair')) {
    const report = await checkTenant(deps, tenantId, { repair: flag('--repair') });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    clean = report.missing + report.stale + report.extra === 0;
  } else {
    const report = await rebuildTenant(deps, tenantId, { drop: flag('--drop') });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    clean = report.after.missing + report.after.stale + report.after.extra === 0;
  }
} finally {
  await Promise.all([closeExtraction(), closePreviews()]);
  await close();
}
process.exit(clean ? 0 : 1);
