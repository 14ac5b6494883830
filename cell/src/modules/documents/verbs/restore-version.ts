import { Conflict, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueDocumentIndex, ringSearch } from '../../changes/outbox.ts';
import { extractionOf } from '../extraction.ts';
import { presentDocument, presentVersion } from '../presenter.ts';
import { findVersion, insertVersion, lockDocument, updateDocument } from '../repo.ts';
import { loadDocument } from '../resource.ts';

/** Rollback never rewrites history: it adds a new version whose content is an old one's (same blob). */
export async function restoreVersion({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; versionId: string };
}) {
  const result = await withActor(ctx, async ({ tx, actor, audit }) => {
    const tenantId = ctx.tenant.id;
    const { resource } = await loadDocument(tx, tenantId, input.id);
    await authorize(tx, actor, 'write', resource);
    const doc = (await lockDocument(tx, tenantId, input.id))!;
    if (doc.trashedAt) throw new Conflict('document is in the trash; restore it first');
    const old = await findVersion(tx, tenantId, doc.id, input.versionId);
    if (!old) throw new NotFound('version', { resourceType: 'version', resourceId: input.versionId });
    const version = await insertVersion(tx, {
      tenantId,
      id: newId('version'),
      documentId: doc.id,
      number: doc.versionCount + 1,
      filename: old.filename,
      contentType: old.contentType,
      size: old.size,
      sha256: old.sha256,
      blobKey: old.blobKey,
      wrappedKey: old.wrappedKey,
      keyRef: old.keyRef,
      restoredFrom: old.id,
      createdBy: actor.userId,
    });
    const updated = await updateDocument(tx, tenantId, doc.id, {
      currentVersionId: version.id,
      versionCount: version.number,
    });
    await queueDocumentIndex(tx, tenantId, [doc.id], 'document.version_restored');
    audit({
      action: 'document.version_restored',
      resourceType: 'document',
      resourceId: doc.id,
      details: { from: old.id, fromNumber: old.number, versionId: version.id },
    });
    const extraction = await extractionOf(tx, tenantId, [version]);
    return {
      document: presentDocument(updated),
      version: presentVersion(version, extraction.get(version.id)),
    };
  });
  ringSearch(ctx.deps);
  return result;
}
