import { and, eq } from 'drizzle-orm';
import { authorize } from '../../auth/policy.ts';
import type { RequestCtx } from '../../context.ts';
import { users } from '../../db/schema/index.ts';
import { withActor } from '../../unit-of-work.ts';
import { loadDocument } from '../documents/resource.ts';

/** The caller's display name (the session checked on the way): what others see in presence. */
export async function liveUser(ctx: RequestCtx): Promise<{ userId: string; name: string }> {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const [row] = await tx
        .select({ name: users.name })
        .from(users)
        .where(and(eq(users.tenantId, ctx.tenant.id), eq(users.id, actor.userId)));
      return { userId: actor.userId, name: row?.name ?? '' };
    },
    { readOnly: true },
  );
}

/**
 * Joining a document's presence is viewing it: the caller must be able to read it (otherwise
 * not found, audited as a denial, exactly as over HTTP). `audit` false for the periodic
 * re-checks of a connection already watching.
 */
export async function authorizeWatch(ctx: RequestCtx, documentId: string, audited: boolean): Promise<void> {
  await withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const { resource } = await loadDocument(tx, ctx.tenant.id, documentId);
      await authorize(tx, actor, 'read', resource);
      if (audited) audit({ action: 'presence.joined', resourceType: 'document', resourceId: documentId });
    },
    { readOnly: true },
  );
}
