import { NotFound } from '@quire/shared/errors';
import { displayNames } from '../../../auth/display-names.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { presentNotification } from '../presenter.ts';
import { findForUser, markAllRead, setRead } from '../repo.ts';

/** Only the recipient sees or changes a notification: anyone else's is not found. */
export async function markRead({ ctx, input }: { ctx: RequestCtx; input: { id: string; read: boolean } }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const tenantId = ctx.tenant.id;
    const row = await findForUser(tx, tenantId, actor.userId, input.id);
    if (!row?.inApp)
      throw new NotFound('notification', { resourceType: 'notification', resourceId: input.id });
    await setRead(tx, tenantId, actor.userId, row.id, input.read);
    audit({
      action: input.read ? 'notification.read' : 'notification.unread',
      resourceType: 'notification',
      resourceId: row.id,
    });
    const saved = (await findForUser(tx, tenantId, actor.userId, row.id))!;
    return presentNotification(saved, await displayNames(tx, tenantId, [saved.actorId]));
  });
}

export async function markAllNotificationsRead({ ctx }: { ctx: RequestCtx }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const count = await markAllRead(tx, ctx.tenant.id, actor.userId);
    audit({
      action: 'notification.read_all',
      resourceType: 'user',
      resourceId: actor.userId,
      details: { count },
    });
    return { marked: count };
  });
}
