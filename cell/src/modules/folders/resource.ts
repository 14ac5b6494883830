import { Conflict, NotFound } from '@quire/shared/errors';
import type { Resource } from '../../auth/policy.ts';
import { idsFromPath } from '../../auth/policy.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { type FolderRow, findFolder } from './repo.ts';

/** A folder with its place in the tree, ready for `authorize`. Missing and invisible look the same. */
export async function loadFolder(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<{ row: FolderRow; resource: Resource }> {
  const row = await findFolder(tx, tenantId, id);
  if (!row) throw new NotFound('folder', { resourceType: 'folder', resourceId: id });
  const ancestorIds = idsFromPath(row.path).slice(0, -1);
  return { row, resource: { type: 'folder', id: row.id, ancestorIds } };
}

/** A folder something is put into or changed in: one in the trash must be restored first. */
export async function loadLiveFolder(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<{ row: FolderRow; resource: Resource }> {
  const found = await loadFolder(tx, tenantId, id);
  return assertLive(found);
}

/** Throws Conflict for a trashed folder (after the caller's authorization: existence first). */
export function assertLive<T extends { row: FolderRow }>(found: T): T {
  if (found.row.trashedAt) throw new Conflict('the folder is in the trash; restore it first');
  return found;
}
