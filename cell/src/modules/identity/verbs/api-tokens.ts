import { Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { ActorRecord } from '../../../auth/actor.ts';
import { type ApiTokenScope, isInteractive } from '../../../auth/credentials.ts';
import type { CellDeps, RequestCtx } from '../../../context.ts';
import { sessions } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { withActor } from '../../../unit-of-work.ts';
import { sha256 } from '../session-store.ts';

export const MAX_TOKEN_DAYS = 365;

type TokenRow = typeof sessions.$inferSelect;

export const presentToken = (t: TokenRow) => ({
  id: t.id,
  name: t.name ?? '',
  scopes: t.scopes,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt.toISOString(),
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/**
 * A long-lived credential of a user for a script or a provisioning client: an access token
 * (ES256, verified by the edge and the cell like any other) whose `sid` names its own
 * `sessions` row (kind `api_token` or `scim`). Only its sha256 is kept. It carries the second
 * factor of the login that made it (`mfa_at` copied), so a token made before MFA became
 * required stops working when it does; its scopes are enforced on every request
 * (auth/credentials.ts), and it works only while its user is active.
 */
export async function mintTokenCredential(
  tx: Tx,
  deps: CellDeps,
  ctx: RequestCtx,
  actor: ActorRecord,
  o: { kind: 'api_token' | 'scim'; name: string; scopes: string[]; days: number },
): Promise<{ row: TokenRow; token: string }> {
  if (!isInteractive(actor.kind)) throw new Forbidden('tokens are made from a login, not from another token');
  const id = newId('apiToken');
  const token = await deps.tokens.issueAccessToken(
    { userId: actor.userId, tenantId: ctx.tenant.id, role: actor.role, sessionId: id },
    o.days * 24 * 3600,
  );
  const [row] = await tx
    .insert(sessions)
    .values({
      tenantId: ctx.tenant.id,
      id,
      userId: actor.userId,
      expiresAt: new Date(Date.now() + o.days * 24 * 3600 * 1000),
      kind: o.kind,
      authMethod: o.kind,
      amr: [],
      mfaAt: sql`(select s.mfa_at from sessions s where s.tenant_id = ${ctx.tenant.id} and s.id = ${actor.sessionId})`,
      name: o.name,
      scopes: o.scopes,
      tokenHash: sha256(token),
      ip: ctx.client.ip,
      userAgent: ctx.client.userAgent,
    })
    .returning();
  return { row: row!, token };
}

export async function createApiToken({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { name: string; scopes: ApiTokenScope[]; expiresInDays: number };
}) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    if (input.scopes.includes('audit:read') && actor.role !== 'admin')
      throw new Forbidden('only admins may give a token the audit:read scope');
    const { row, token } = await mintTokenCredential(tx, ctx.deps, ctx, actor, {
      kind: 'api_token',
      name: input.name,
      scopes: [...new Set(input.scopes)],
      days: input.expiresInDays,
    });
    audit({
      action: 'api_token.created',
      resourceType: 'api_token',
      resourceId: row.id,
      details: { scopes: row.scopes, expiresAt: row.expiresAt.toISOString() },
    });
    return { ...presentToken(row), token };
  });
}

export async function listApiTokens({ ctx }: { ctx: RequestCtx }) {
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
            eq(sessions.kind, 'api_token'),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, sql`now()`),
          ),
        )
        .orderBy(desc(sessions.createdAt))
        .limit(200);
      return { items: rows.map(presentToken) };
    },
    { readOnly: true },
  );
}

export async function revokeApiToken({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const done = await tx
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: 'user_revoked' })
      .where(
        and(
          eq(sessions.tenantId, ctx.tenant.id),
          eq(sessions.id, input.id),
          eq(sessions.userId, actor.userId),
          eq(sessions.kind, 'api_token'),
          isNull(sessions.revokedAt),
        ),
      )
      .returning({ id: sessions.id });
    if (done.length === 0)
      throw new NotFound('API token', { resourceType: 'api_token', resourceId: input.id });
    audit({ action: 'api_token.revoked', resourceType: 'api_token', resourceId: input.id });
  });
}
