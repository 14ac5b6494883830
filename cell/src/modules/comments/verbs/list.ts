import { NotFound } from '@quire/shared/errors';
import { displayNames } from '../../../auth/display-names.ts';
import { authorize } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { loadDocument } from '../../documents/resource.ts';
import { presentComment } from '../presenter.ts';
import { findComment, listComments, mentionsOf } from '../repo.ts';

/** A document's comments in creation order (threads interleaved; `threadId` picks one). */
export async function listDocumentComments({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: {
    documentId: string;
    threadId?: string;
    status: 'open' | 'resolved' | 'all';
    cursor?: string;
    limit: number;
  };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const tenantId = ctx.tenant.id;
      const { doc, resource } = await loadDocument(tx, tenantId, input.documentId);
      const role = await authorize(tx, actor, 'read', resource);
      if (input.threadId) {
        const root = await findComment(tx, tenantId, input.threadId);
        if (!root || root.documentId !== doc.id)
          throw new NotFound('comment', { resourceType: 'comment', resourceId: input.threadId });
      }
      const rows = await listComments(tx, tenantId, doc.id, {
        threadId: input.threadId,
        status: input.status,
        afterId: input.cursor,
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const mentions = await mentionsOf(
        tx,
        tenantId,
        page.map((c) => c.id),
      );
      const names = await displayNames(
        tx,
        tenantId,
        page.map((c) => c.authorId),
      );
      return {
        items: page.map((c) => presentComment(c, mentions.get(c.id) ?? [], actor, role, names)),
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
      };
    },
    { readOnly: true },
  );
}
