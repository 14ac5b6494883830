import { Conflict } from '@quire/shared/errors';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueDocumentIndex, ringSearch } from '../../changes/outbox.ts';
import { findFolder } from '../../folders/repo.ts';
import { blockedByHold, Held, heldDocumentIds } from '../../holds/check.ts';
import { presentDocument } from '../presenter.ts';
import { updateDocument } from '../repo.ts';
import { loadDocument } from '../resource.ts';

/** Moving to the trash and back both need write; the document keeps its place and versions. */
export async function setTrashed({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; trashed: boolean };
}) {
  const result = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { doc, resource } = await loadDocument(tx, ctx.tenant.id, input.id);
    await authorize(tx, actor, 'write', resource);
    if (Boolean(doc.trashedAt) === input.trashed)
      throw new Conflict(input.trashed ? 'document is already in the trash' : 'document is not in the trash');
    if (!input.trashed && doc.trashedWith)
      throw new Conflict('the document went to the trash with its folder: restore the folder', {
        trashedWith: doc.trashedWith,
      });
    if (!input.trashed && doc.folderId && (await findFolder(tx, ctx.tenant.id, doc.folderId))?.trashedAt)
      throw new Conflict('its folder is in the trash: restore the folder first', { folderId: doc.folderId });
    const holds = input.trashed
      ? ((await heldDocumentIds(tx, ctx.tenant.id, [doc.id])).get(doc.id) ?? [])
      : [];
    if (holds.length)
      return blockedByHold(tx, ctx.deps, audit, {
        tenantId: ctx.tenant.id,
        kind: 'document.trash',
        targetId: doc.id,
        requestedBy: actor.userId,
        holdIds: holds,
      });
    const updated = await updateDocument(
      tx,
      ctx.tenant.id,
      doc.id,
      input.trashed
        ? { trashedAt: new Date(), trashedBy: actor.userId }
        : { trashedAt: null, trashedBy: null },
    );
    await queueDocumentIndex(
      tx,
      ctx.tenant.id,
      [doc.id],
      input.trashed ? 'document.trashed' : 'document.restored',
    );
    audit({
      action: input.trashed ? 'document.trashed' : 'document.restored',
      resourceType: 'document',
      resourceId: doc.id,
    });
    return presentDocument(updated);
  });
  if (result instanceof Held) throw result.refusal(ctx.deps);
  ringSearch(ctx.deps);
  return result;
}
