import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type postgres from 'postgres';
import { copyDurably, errno, exists, fsyncPath, listFiles, sha256File } from './files.ts';
import { quoteIdent, type TenantTable } from './tenant-tables.ts';

/**
 * The blob side of a tenant restore (tenant-restore.ts). The blobs to put back are exactly those
 * the backup's rows reference (every `…blob_key` column of a tenant table: versions, extracted
 * text, previews), not whatever the restored blob folder holds (it may keep files written just
 * after the backup's time); every other file under the tenant's prefix goes once the rows commit.
 */
export async function sha256OrNull(file: string): Promise<string | null> {
  try {
    return await sha256File(file);
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Blob keys the tenant's rows reference in `sql` (a transaction with the tenant set). */
export async function referencedBlobKeys(
  sql: postgres.TransactionSql,
  tables: TenantTable[],
  tenantId: string,
): Promise<Set<string>> {
  const keys = new Set<string>();
  const prefix = `tenants/${tenantId}/`;
  for (const table of tables)
    for (const column of table.columns.filter((c) => c.endsWith('blob_key'))) {
      const rows = await sql.unsafe<{ k: string }[]>(
        `select ${quoteIdent(column)} as k from ${quoteIdent(table.name)} where tenant_id = $1 and ${quoteIdent(column)} is not null`,
        [tenantId],
      );
      for (const { k } of rows) {
        if (!k.startsWith(prefix) || k.split('/').some((p) => p === '..' || p === ''))
          throw new Error(`${table.name}.${column} holds a blob key outside ${prefix}: ${k}`);
        keys.add(k);
      }
    }
  return keys;
}

/** Copies the referenced blobs from the backup's folder into the live one (only those that differ). */
export async function stageBlobs(keys: Set<string>, fromDir: string, toDir: string) {
  const counts = { restored: 0, unchanged: 0, removed: 0 };
  for (const key of keys) {
    const from = path.join(fromDir, ...key.split('/'));
    const want = await sha256OrNull(from);
    if (!want) throw new Error(`the backup's rows reference ${key}, which the restored blob folder lacks`);
    const to = path.join(toDir, ...key.split('/'));
    if ((await sha256OrNull(to)) === want) counts.unchanged += 1;
    else {
      await copyDurably(from, to, 0o600);
      counts.restored += 1;
    }
  }
  return counts;
}

/** Removes the tenant's live blob files that are not in `keys`; returns how many went. */
export async function removeOtherBlobs(keys: Set<string>, toDir: string, tenantId: string): Promise<number> {
  const root = path.join(toDir, 'tenants', tenantId);
  if (!(await exists(root))) return 0;
  let removed = 0;
  for (const rel of await listFiles(root)) {
    if (keys.has(`tenants/${tenantId}/${rel}`)) continue;
    const file = path.join(root, ...rel.split('/'));
    await unlink(file);
    await fsyncPath(path.dirname(file));
    removed += 1;
  }
  return removed;
}
