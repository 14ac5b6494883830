import { Conflict } from '@quire/shared/errors';
import type { AuditInput } from '../../audit-trail/entry.ts';
import type { ActorRecord } from '../../auth/actor.ts';
import { authorize } from '../../auth/policy.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { queueDocumentIndex, queueFolderIndex } from '../changes/outbox.ts';
import { heldConflict, heldFolderIds } from '../holds/check.ts';
import { findFolder, restoreSubtree, type TrashedSet, trashSubtree } from './repo.ts';
import { loadFolder } from './resource.ts';

/**
 * Trashing a folder trashes its subtree (folders and documents not already in the trash) and
 * restoring it brings back exactly that, whole. Both need manage (owner) on the folder, like
 * deleting it. The search index drops and re-adds the documents through the outbox. Shared by
 * the folder routes and bulk jobs; the caller records the returned audit entry.
 */
export async function trashFolderIn(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  id: string,
  context: Record<string, unknown> = {},
): Promise<{ set: TrashedSet; audit: AuditInput }> {
  const { row, resource } = await loadFolder(tx, tenantId, id);
  await authorize(tx, actor, 'manage', resource);
  if (row.trashedAt) throw new Conflict('the folder is already in the trash');
  // A held folder, or one holding a held document, stays (the callers queue the request).
  const holds = (await heldFolderIds(tx, tenantId, [row.id])).get(row.id) ?? [];
  if (holds.length) throw heldConflict('folder.trash', row.id, holds);
  const set = await trashSubtree(tx, tenantId, row, actor.userId);
  await queueDocumentIndex(tx, tenantId, set.documentIds, 'folder.trashed');
  return {
    set,
    audit: {
      action: 'folder.trashed',
      resourceType: 'folder',
      resourceId: row.id,
      details: { folders: set.folderIds.length, documents: set.documentIds.length, ...context },
    },
  };
}

export async function restoreFolderIn(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  id: string,
  context: Record<string, unknown> = {},
): Promise<{ set: TrashedSet; audit: AuditInput }> {
  const { row, resource } = await loadFolder(tx, tenantId, id);
  await authorize(tx, actor, 'manage', resource);
  if (!row.trashedAt) throw new Conflict('the folder is not in the trash');
  if (row.trashedWith !== row.id)
    throw new Conflict('the folder went to the trash with a folder above it: restore that one', {
      trashedWith: row.trashedWith,
    });
  if (row.parentId && (await findFolder(tx, tenantId, row.parentId))?.trashedAt)
    throw new Conflict('its parent folder is in the trash: restore that first', { parentId: row.parentId });
  const set = await restoreSubtree(tx, tenantId, row.id);
  await queueDocumentIndex(tx, tenantId, set.documentIds, 'folder.restored');
  await queueFolderIndex(tx, tenantId, row.id, 'folder.restored');
  return {
    set,
    audit: {
      action: 'folder.restored',
      resourceType: 'folder',
      resourceId: row.id,
      details: { folders: set.folderIds.length, documents: set.documentIds.length, ...context },
    },
  };
}
