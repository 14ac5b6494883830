import { BadRequest, Conflict, QuireError } from '@quire/shared/errors';
import type { AuditInput } from '../../audit-trail/entry.ts';
import type { ActorRecord } from '../../auth/actor.ts';
import { authorize, authorizeRootCreate } from '../../auth/policy.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { queueDocumentIndex, queueFolderIndex } from '../changes/outbox.ts';
import { updateDocument } from '../documents/repo.ts';
import { loadDocument } from '../documents/resource.ts';
import { findFolder, moveSubtree } from '../folders/repo.ts';
import { assertLive, loadFolder } from '../folders/resource.ts';
import { restoreFolderIn, trashFolderIn } from '../folders/trash.ts';
import { heldConflict, heldDocumentIds } from '../holds/check.ts';
import type { BulkJobRow } from './repo.ts';

export interface Item {
  resourceType: 'folder' | 'document';
  resourceId: string;
}

/** Where a move goes, checked once per chunk: the folder (write, not in the trash) or the top level. */
export interface MoveTarget {
  folderId: string | null;
  path: string;
}

export async function moveTarget(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  folderId: string | null,
): Promise<MoveTarget> {
  if (!folderId) {
    authorizeRootCreate(actor);
    return { folderId: null, path: '/' };
  }
  const target = await loadFolder(tx, tenantId, folderId);
  await authorize(tx, actor, 'write', target.resource);
  assertLive(target);
  return { folderId, path: target.row.path };
}

const MAX_TAGS = 50;

/**
 * One item of a bulk job, with the same rules as the single-item routes (authorisation first:
 * what the creator cannot see is not found). Returns the audit entries to record; throws a
 * QuireError for an item that fails (recorded on the item; the job goes on). An item already
 * in the asked-for state (trashed, restored, moved there) is done without change, so re-running
 * a job does no harm.
 */
export async function applyItem(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  job: BulkJobRow,
  item: Item,
  target: MoveTarget | QuireError | null,
): Promise<AuditInput[]> {
  const context = { bulkJobId: job.id };
  if (item.resourceType === 'folder') {
    if (job.kind === 'trash') {
      const { row, resource } = await loadFolder(tx, tenantId, item.resourceId);
      if (row.trashedAt && row.trashedWith === row.id) {
        await authorize(tx, actor, 'manage', resource);
        return [];
      }
      return [(await trashFolderIn(tx, tenantId, actor, item.resourceId, context)).audit];
    }
    if (job.kind === 'restore') {
      const { row, resource } = await loadFolder(tx, tenantId, item.resourceId);
      if (!row.trashedAt) {
        await authorize(tx, actor, 'manage', resource);
        return [];
      }
      return [(await restoreFolderIn(tx, tenantId, actor, item.resourceId, context)).audit];
    }
    if (job.kind === 'move') return moveFolder(tx, tenantId, actor, item.resourceId, target, context);
    throw new BadRequest(`a folder cannot be part of a ${job.kind} job`);
  }

  const { doc, resource } = await loadDocument(tx, tenantId, item.resourceId);
  if (job.kind === 'move') {
    await authorize(tx, actor, 'manage', resource);
    if (doc.trashedAt) throw new Conflict('document is in the trash; restore it first');
    if (target instanceof QuireError) throw target;
    if (doc.folderId === target!.folderId) return [];
    await updateDocument(tx, tenantId, doc.id, { folderId: target!.folderId });
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.moved');
    return [
      {
        action: 'document.moved',
        resourceType: 'document',
        resourceId: doc.id,
        details: { changed: ['folderId'], from: doc.folderId, to: target!.folderId, ...context },
      },
    ];
  }
  await authorize(tx, actor, 'write', resource);
  if (job.kind === 'trash') {
    if (doc.trashedAt) return [];
    // Read per item: a hold placed while the job runs stops it before the held item.
    const holds = (await heldDocumentIds(tx, tenantId, [doc.id])).get(doc.id) ?? [];
    if (holds.length) throw heldConflict('bulk.item', doc.id, holds);
    await updateDocument(tx, tenantId, doc.id, { trashedAt: new Date(), trashedBy: actor.userId });
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.trashed');
    return [{ action: 'document.trashed', resourceType: 'document', resourceId: doc.id, details: context }];
  }
  if (job.kind === 'restore') {
    if (!doc.trashedAt) return [];
    if (doc.trashedWith)
      throw new Conflict('the document went to the trash with its folder: restore the folder');
    if (doc.folderId && (await findFolder(tx, tenantId, doc.folderId))?.trashedAt)
      throw new Conflict('its folder is in the trash: restore the folder first');
    await updateDocument(tx, tenantId, doc.id, { trashedAt: null, trashedBy: null });
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.restored');
    return [{ action: 'document.restored', resourceType: 'document', resourceId: doc.id, details: context }];
  }
  if (job.kind === 'tag') {
    if (doc.trashedAt) throw new Conflict('document is in the trash; restore it first');
    const { add = [], remove = [] } = job.params as { add?: string[]; remove?: string[] };
    const drop = new Set(remove);
    const tags = [...new Set([...doc.tags.filter((t) => !drop.has(t)), ...add])];
    if (tags.length > MAX_TAGS) throw new Conflict(`a document has at most ${MAX_TAGS} tags`);
    if (tags.length === doc.tags.length && tags.every((t, i) => t === doc.tags[i])) return [];
    await updateDocument(tx, tenantId, doc.id, { tags });
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.updated');
    return [
      {
        action: 'document.updated',
        resourceType: 'document',
        resourceId: doc.id,
        details: { changed: ['tags'], ...context },
      },
    ];
  }
  throw new BadRequest(`unknown bulk operation ${job.kind}`);
}

async function moveFolder(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  id: string,
  target: MoveTarget | QuireError | null,
  context: Record<string, unknown>,
): Promise<AuditInput[]> {
  const { row, resource } = await loadFolder(tx, tenantId, id);
  await authorize(tx, actor, 'manage', resource);
  assertLive({ row });
  if (target instanceof QuireError) throw target;
  if (row.parentId === target!.folderId) return [];
  if (target!.path.startsWith(row.path)) throw new Conflict('a folder cannot be moved into its own subtree');
  try {
    await tx.transaction((sp) =>
      moveSubtree(sp, tenantId, row.id, row.path, `${target!.path}${row.id}/`, target!.folderId),
    );
  } catch (e) {
    if (isUniqueViolation(e)) throw new Conflict('a folder with this name already exists there');
    throw e;
  }
  await queueFolderIndex(tx, tenantId, row.id, 'folder.moved');
  return [
    {
      action: 'folder.moved',
      resourceType: 'folder',
      resourceId: row.id,
      details: { from: row.parentId, to: target!.folderId, ...context },
    },
  ];
}
