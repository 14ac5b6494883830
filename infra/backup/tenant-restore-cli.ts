/**
 * `node infra/backup/tenant-restore-cli.ts --tenant ten_x --as-of ISO --reason "…" \
 *    --from-db URL --from-blobs DIR --from-keyring DIR --to-db URL --to-blobs DIR --to-keyring DIR`
 *
 * Restores one tenant from a cell restored beside the live one (restore-cell.sh) into the live
 * cell: see tenant-restore.ts for what is replaced, kept and cleared. URLs are the owner role's
 * (`<db>_owner`); they may also come from QUIRE_RESTORE_FROM_DB / QUIRE_RESTORE_TO_DB so that no
 * password shows in the process list. Prints the report as JSON on stdout.
 */
import { restoreTenant } from './tenant-restore.ts';

const FLAGS = [
  'tenant',
  'as-of',
  'reason',
  'from-db',
  'from-blobs',
  'from-keyring',
  'to-db',
  'to-blobs',
  'to-keyring',
];

function usage(message: string): never {
  console.error(`tenant-restore: ${message}
usage: tenant-restore-cli.ts --tenant ID --as-of ISO --reason TEXT [--allow-active]
         --from-db URL --from-blobs DIR --from-keyring DIR   (the restored side cell)
         --to-db URL --to-blobs DIR --to-keyring DIR         (the live cell)
       (--from-db/--to-db may be given as QUIRE_RESTORE_FROM_DB / QUIRE_RESTORE_TO_DB)`);
  process.exit(2);
}

const args = process.argv.slice(2);
const flags: Record<string, string> = {};
let allowActive = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--allow-active') allowActive = true;
  else if (arg.startsWith('--') && FLAGS.includes(arg.slice(2))) {
    const value = args[++i];
    if (value === undefined) usage(`${arg} needs a value`);
    flags[arg.slice(2)] = value;
  } else usage(`unexpected argument ${arg}`);
}
flags['from-db'] ??= process.env.QUIRE_RESTORE_FROM_DB ?? '';
flags['to-db'] ??= process.env.QUIRE_RESTORE_TO_DB ?? '';
const need = (name: string): string => flags[name] || usage(`--${name} is required`);

try {
  const report = await restoreTenant({
    tenantId: need('tenant'),
    asOf: need('as-of'),
    reason: need('reason'),
    allowActive,
    from: { databaseUrl: need('from-db'), blobDir: need('from-blobs'), keyringDir: need('from-keyring') },
    to: { databaseUrl: need('to-db'), blobDir: need('to-blobs'), keyringDir: need('to-keyring') },
  });
  console.log(JSON.stringify(report));
} catch (err) {
  console.error(`tenant-restore: ERROR: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
