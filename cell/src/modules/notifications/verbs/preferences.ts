import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { DEFAULT_PREFERENCE, NOTIFICATION_KINDS, type Preference } from '../kinds.ts';
import { savePreferences, userPreferences } from '../repo.ts';

/** Every kind with the caller's choice, or the default where they have made none. */
function complete(saved: Preference[]): Preference[] {
  const byKind = new Map(saved.map((p) => [p.kind, p]));
  return NOTIFICATION_KINDS.map((kind) => byKind.get(kind) ?? { kind, ...DEFAULT_PREFERENCE });
}

export async function getPreferences({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => ({ items: complete(await userPreferences(tx, ctx.tenant.id, actor.userId)) }),
    { readOnly: true },
  );
}

export async function setPreferences({ ctx, input }: { ctx: RequestCtx; input: { items: Preference[] } }) {
  // One row per kind: a kind given twice is its last value (an upsert cannot touch a row twice).
  const items = [...new Map(input.items.map((p) => [p.kind, p])).values()];
  return withActor(ctx, async ({ tx, actor, audit }) => {
    await savePreferences(tx, ctx.tenant.id, actor.userId, items);
    audit({
      action: 'notification.preferences_updated',
      resourceType: 'user',
      resourceId: actor.userId,
      details: { kinds: items.map((p) => `${p.kind}:${p.inApp ? 'app' : '-'}:${p.email}`) },
    });
    return { items: complete(await userPreferences(tx, ctx.tenant.id, actor.userId)) };
  });
}
