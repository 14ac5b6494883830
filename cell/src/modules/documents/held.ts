import { appendInTx } from '../../audit-trail/append.ts';
import { type AuditInput, auditEntry } from '../../audit-trail/entry.ts';
import { deleteGrantsOn } from '../../auth/grants.ts';
import { authorize } from '../../auth/policy.ts';
import type { CellDeps } from '../../context.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { queueDocumentIndex, ringSearch } from '../changes/outbox.ts';
import { loadFolder } from '../folders/resource.ts';
import { trashFolderIn } from '../folders/trash.ts';
import { type HeldRequest, type Resumer, requesterActor } from '../holds/resume.ts';
import { deleteDocumentRows, listVersions, updateDocument } from './repo.ts';
import { loadDocument } from './resource.ts';

/**
 * Deletions a legal hold queued, carried out once it is released (holds/resume.ts): as the
 * person who asked, with their rights as they are now, under the same rules as the routes.
 */
async function asRequester<T>(
  deps: CellDeps,
  tenantId: string,
  r: HeldRequest,
  work: (tx: Tx, actorId: string, record: (a: AuditInput) => Promise<unknown>) => Promise<T>,
): Promise<T | string> {
  return withTenantTx(deps.db, tenantId, async (tx) => {
    const actor = await requesterActor(tx, tenantId, r.requestedBy);
    if (!actor) return 'requester no longer active';
    const origin = { tenantId, requestId: null, ip: null, userAgent: null };
    const record = (a: AuditInput) =>
      appendInTx(tx, [
        auditEntry(
          origin,
          actor.userId,
          { ...a, details: { ...(a.details ?? {}), resumedFromHold: r.id } },
          r.requestedBy === 'retention' ? 'system' : 'user',
        ),
      ]);
    const { resource } = await loadDocumentOrFolder(tx, tenantId, r.targetId);
    await authorize(tx, actor, r.kind === 'document.trash' ? 'write' : 'manage', resource);
    return work(tx, actor.userId, record);
  });
}

async function loadDocumentOrFolder(tx: Tx, tenantId: string, id: string) {
  if (id.startsWith('fld_')) return loadFolder(tx, tenantId, id);
  return loadDocument(tx, tenantId, id);
}

const trash: Resumer = async (deps, tenantId, r) => {
  if (r.targetId.startsWith('fld_')) {
    const out = await withTenantTx(deps.db, tenantId, async (tx) => {
      const actor = await requesterActor(tx, tenantId, r.requestedBy);
      if (!actor) return 'requester no longer active';
      const { audit } = await trashFolderIn(tx, tenantId, actor, r.targetId, { resumedFromHold: r.id });
      await appendInTx(tx, [
        auditEntry({ tenantId, requestId: null, ip: null, userAgent: null }, actor.userId, audit),
      ]);
      return 'trashed';
    });
    ringSearch(deps);
    return out;
  }
  const out = await asRequester(deps, tenantId, r, async (tx, actorId, record) => {
    const { doc } = await loadDocument(tx, tenantId, r.targetId);
    if (doc.trashedAt) return 'already in the trash';
    await updateDocument(tx, tenantId, doc.id, { trashedAt: new Date(), trashedBy: actorId });
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.trashed');
    await record({ action: 'document.trashed', resourceType: 'document', resourceId: doc.id });
    return 'trashed';
  });
  ringSearch(deps);
  return out;
};

const deletePermanently: Resumer = async (deps, tenantId, r) => {
  let blobKeys: string[] = [];
  const out = await asRequester(deps, tenantId, r, async (tx, _actorId, record) => {
    const { doc } = await loadDocument(tx, tenantId, r.targetId);
    if (!doc.trashedAt)
      await updateDocument(tx, tenantId, doc.id, { trashedAt: new Date(), trashedBy: _actorId });
    const versions = await listVersions(tx, tenantId, doc.id);
    await deleteGrantsOn(tx, tenantId, doc.id);
    await deleteDocumentRows(tx, tenantId, doc.id);
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.deleted');
    await record({
      action: 'document.deleted',
      resourceType: 'document',
      resourceId: doc.id,
      details: { title: doc.title, versions: versions.length },
    });
    blobKeys = [...new Set(versions.map((v) => v.blobKey))];
    return 'deleted';
  });
  ringSearch(deps);
  await Promise.all(blobKeys.map((k) => deps.blobs.delete(k)));
  return out;
};

/** The resumers this module provides, by queued kind (wired by app.ts and worker.ts). */
export const heldDeletionResumers = {
  'document.trash': trash,
  'folder.trash': trash,
  'bulk.item': trash,
  'document.delete': deletePermanently,
} as const;
