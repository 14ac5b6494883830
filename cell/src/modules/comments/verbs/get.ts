import { displayNames } from '../../../auth/display-names.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { loadComment } from '../access.ts';
import { presentComment } from '../presenter.ts';
import { mentionsOf, revisionsOf } from '../repo.ts';

export async function getComment({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const { comment, role } = await loadComment(tx, ctx.tenant.id, actor, input.id);
      const mentions = await mentionsOf(tx, ctx.tenant.id, [comment.id]);
      const names = await displayNames(tx, ctx.tenant.id, [comment.authorId]);
      return presentComment(comment, mentions.get(comment.id) ?? [], actor, role, names);
    },
    { readOnly: true },
  );
}

/** Earlier texts of a comment, oldest first (none once it is deleted). */
export async function commentHistory({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const { comment } = await loadComment(tx, ctx.tenant.id, actor, input.id);
      if (comment.deletedAt) return { items: [] };
      const revisions = await revisionsOf(tx, ctx.tenant.id, comment.id);
      return {
        items: revisions.map((r) => ({
          revision: r.revision,
          body: r.body,
          editedBy: r.editedBy,
          replacedAt: r.createdAt.toISOString(),
        })),
      };
    },
    { readOnly: true },
  );
}
