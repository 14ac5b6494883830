import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentDocument } from '../presenter.ts';
import { trashedDocuments } from '../repo.ts';

/** Trashed documents in id order; the cursor is the last one's id. */
export async function listTrash({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { cursor?: string; limit: number };
}) {
  const after = input.cursor;
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const who = actor.role === 'admin' ? 'all' : actor.role === 'viewer' ? [] : actor.principalIds;
      const found =
        who.length === 0 ? [] : await trashedDocuments(tx, ctx.tenant.id, who, after, input.limit + 1);
      const rows = found.slice(0, input.limit);
      const last = rows[rows.length - 1];
      return {
        items: rows.map(presentDocument),
        nextCursor: found.length > input.limit && last ? last.id : null,
      };
    },
    { readOnly: true },
  );
}
