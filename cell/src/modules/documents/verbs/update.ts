import { Conflict } from '@quire/shared/errors';
import { authorize, authorizeRootCreate } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueDocumentIndex, ringSearch } from '../../changes/outbox.ts';
import { assertLive, loadFolder } from '../../folders/resource.ts';
import { presentDocument } from '../presenter.ts';
import { updateDocument as updateRow } from '../repo.ts';
import { loadDocument } from '../resource.ts';

export interface UpdateDocumentInput {
  id: string;
  title?: string;
  tags?: string[];
  customFields?: Record<string, string | number | boolean>;
  folderId?: string | null;
}

/** Metadata needs write; moving needs manage on the document and write on the destination. */
export async function updateDocument({ ctx, input }: { ctx: RequestCtx; input: UpdateDocumentInput }) {
  const result = await withActor(ctx, async ({ tx, actor, audit }) => {
    const tenantId = ctx.tenant.id;
    const { doc, resource } = await loadDocument(tx, tenantId, input.id);
    const moving = input.folderId !== undefined && input.folderId !== doc.folderId;
    await authorize(tx, actor, moving ? 'manage' : 'write', resource);
    if (doc.trashedAt) throw new Conflict('document is in the trash; restore it first');
    if (moving) {
      if (input.folderId) {
        const target = await loadFolder(tx, tenantId, input.folderId);
        await authorize(tx, actor, 'write', target.resource);
        assertLive(target);
      } else {
        authorizeRootCreate(actor);
      }
    }
    const set: Parameters<typeof updateRow>[3] = {};
    if (input.title !== undefined) set.title = input.title;
    if (input.tags !== undefined) set.tags = [...new Set(input.tags)];
    if (input.customFields !== undefined) set.customFields = input.customFields;
    if (moving) set.folderId = input.folderId ?? null;
    const updated = await updateRow(tx, tenantId, doc.id, set);
    const changed = Object.keys(set);
    await queueDocumentIndex(tx, tenantId, [doc.id], moving ? 'document.moved' : 'document.updated');
    audit({
      action: moving ? 'document.moved' : 'document.updated',
      resourceType: 'document',
      resourceId: doc.id,
      details: { changed, ...(moving ? { from: doc.folderId, to: updated.folderId } : {}) },
    });
    return presentDocument(updated);
  });
  ringSearch(ctx.deps);
  return result;
}
