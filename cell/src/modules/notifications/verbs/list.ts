import { displayNames } from '../../../auth/display-names.ts';
import { readableResources } from '../../../auth/visible.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentNotification } from '../presenter.ts';
import { listForUser, unreadCount } from '../repo.ts';

/**
 * The caller's notifications, newest first. One about a folder or document the caller can no
 * longer read (a grant revoked since) is left out, as if it had never been sent.
 */
export async function listNotifications({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { unread: boolean; cursor?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const tenantId = ctx.tenant.id;
      const rows = await listForUser(tx, tenantId, actor.userId, {
        unreadOnly: input.unread,
        beforeId: input.cursor,
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const refs = page.flatMap((n) =>
        (n.resourceType === 'document' || n.resourceType === 'folder') && n.resourceId
          ? [{ type: n.resourceType, id: n.resourceId } as const]
          : [],
      );
      const readable = await readableResources(tx, tenantId, actor, refs);
      const shown = page.filter(
        (n) =>
          !(n.resourceType === 'document' || n.resourceType === 'folder') ||
          (n.resourceId !== null && readable.has(n.resourceId)),
      );
      const names = await displayNames(
        tx,
        tenantId,
        shown.map((n) => n.actorId),
      );
      const items = shown.map((n) => presentNotification(n, names));
      return {
        items,
        unreadCount: await unreadCount(tx, tenantId, actor.userId),
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
      };
    },
    { readOnly: true },
  );
}
