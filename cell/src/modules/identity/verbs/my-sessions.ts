import { NotFound } from '@quire/shared/errors';
import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { sessions, users } from '../../../db/schema/index.ts';
import { withActor } from '../../../unit-of-work.ts';
import { revokeCredentials } from '../session-store.ts';

type SessionRow = typeof sessions.$inferSelect;

export const presentSession = (s: SessionRow, currentId?: string) => ({
  id: s.id,
  kind: s.kind,
  method: s.authMethod,
  amr: s.amr,
  mfa: s.mfaAt !== null,
  current: s.id === currentId,
  ip: s.ip,
  userAgent: s.userAgent,
  createdAt: s.createdAt.toISOString(),
  lastSeenAt: s.lastSeenAt?.toISOString() ?? null,
  expiresAt: s.expiresAt.toISOString(),
});

/** Who the caller is, as the database says now (a revoked session is refused here too). */
export async function me({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const [row] = await tx
        .select({ email: users.email, name: users.name, mfaAt: sessions.mfaAt, kind: sessions.kind })
        .from(users)
        .innerJoin(sessions, and(eq(sessions.tenantId, users.tenantId), eq(sessions.id, actor.sessionId)))
        .where(and(eq(users.tenantId, ctx.tenant.id), eq(users.id, actor.userId)));
      return {
        userId: actor.userId,
        tenantId: ctx.tenant.id,
        cell: ctx.claims.cell,
        roles: [actor.role],
        email: row?.email ?? '',
        name: row?.name ?? '',
        sessionId: actor.sessionId,
        credential: actor.kind,
        mfa: row?.mfaAt != null,
      };
    },
    { readOnly: true },
  );
}

/** The caller's live logins (not API tokens: GET /v1/me/api-tokens lists those). */
export async function listMySessions({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const rows = await tx
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.tenantId, ctx.tenant.id),
            eq(sessions.userId, actor.userId),
            inArray(sessions.kind, ['bearer', 'cookie']),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, sql`now()`),
          ),
        )
        .orderBy(desc(sessions.createdAt))
        .limit(200);
      return { items: rows.map((s) => presentSession(s, actor.sessionId)) };
    },
    { readOnly: true },
  );
}

/** Ends one of the caller's own logins (another user's session id is "not found"). */
export async function revokeMySession({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const done = await tx
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: 'user_revoked' })
      .where(
        and(
          eq(sessions.tenantId, ctx.tenant.id),
          eq(sessions.id, input.id),
          eq(sessions.userId, actor.userId),
          inArray(sessions.kind, ['bearer', 'cookie']),
          isNull(sessions.revokedAt),
        ),
      )
      .returning({ id: sessions.id });
    if (done.length === 0) throw new NotFound('session', { resourceType: 'session', resourceId: input.id });
    audit({ action: 'session.revoked', resourceType: 'session', resourceId: input.id });
  });
}

/** Logout: ends the session the request was made with. */
export async function logout({ ctx }: { ctx: RequestCtx }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    await tx
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: 'logout' })
      .where(and(eq(sessions.tenantId, ctx.tenant.id), eq(sessions.id, actor.sessionId)));
    audit({ action: 'auth.logout', resourceType: 'session', resourceId: actor.sessionId });
  });
}

/** Logout everywhere: every login of the caller, this one included (API tokens stay). */
export async function logoutEverywhere({ ctx }: { ctx: RequestCtx }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const count = await revokeCredentials(tx, ctx.tenant.id, actor.userId, 'logout_everywhere', [
      'bearer',
      'cookie',
    ]);
    audit({
      action: 'auth.logout_everywhere',
      resourceType: 'user',
      resourceId: actor.userId,
      details: { count },
    });
    return { revoked: count };
  });
}
