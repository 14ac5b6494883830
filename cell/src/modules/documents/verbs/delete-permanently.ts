import { Conflict } from '@quire/shared/errors';
import { deleteGrantsOn } from '../../../auth/grants.ts';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueDocumentIndex, ringSearch } from '../../changes/outbox.ts';
import { blockedByHold, Held, heldDocumentIds } from '../../holds/check.ts';
import { releaseUsage } from '../../quotas/usage.ts';
import { deleteDocumentRows, listVersions } from '../repo.ts';
import { loadDocument } from '../resource.ts';

/**
 * Removes a trashed document for good: rows first (committed, with the audit entry),
 * then the blobs. A crash between the two leaves unreferenced ciphertext only.
 */
export async function deletePermanently({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const blobKeys = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { doc, resource } = await loadDocument(tx, ctx.tenant.id, input.id);
    await authorize(tx, actor, 'manage', resource);
    if (!doc.trashedAt) throw new Conflict('move the document to the trash before deleting it permanently');
    const holds = (await heldDocumentIds(tx, ctx.tenant.id, [doc.id])).get(doc.id) ?? [];
    if (holds.length)
      return blockedByHold(tx, ctx.deps, audit, {
        tenantId: ctx.tenant.id,
        kind: 'document.delete',
        targetId: doc.id,
        requestedBy: actor.userId,
        holdIds: holds,
      });
    const versions = await listVersions(tx, ctx.tenant.id, doc.id);
    // Before the rows go (a usage row created now is counted from them). A rollback version
    // shares its blob with the version it restored: each blob's bytes are returned once.
    const bytes = new Map(versions.map((v) => [v.blobKey, v.size]));
    await releaseUsage(tx, ctx.tenant.id, ctx.tenant.limits, {
      documents: 1,
      storage: [...bytes.values()].reduce((a, b) => a + b, 0),
    });
    await deleteGrantsOn(tx, ctx.tenant.id, doc.id);
    await deleteDocumentRows(tx, ctx.tenant.id, doc.id);
    // The worker removes the index entry and the derived blobs (extracted text, preview).
    await queueDocumentIndex(tx, ctx.tenant.id, [doc.id], 'document.deleted');
    audit({
      action: 'document.deleted',
      resourceType: 'document',
      resourceId: doc.id,
      details: { title: doc.title, versions: versions.length },
    });
    return [...new Set(versions.map((v) => v.blobKey))];
  });
  if (blobKeys instanceof Held) throw blobKeys.refusal(ctx.deps);
  ringSearch(ctx.deps);
  await Promise.all(blobKeys.map((k) => ctx.deps.blobs.delete(k)));
}
