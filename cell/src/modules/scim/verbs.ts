import { Forbidden, NotFound } from '@quire/shared/errors';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { RequestCtx } from '../../context.ts';
import { sessions } from '../../db/schema/index.ts';
import { type Work, withActor } from '../../unit-of-work.ts';
import { mintTokenCredential, presentToken } from '../identity/verbs/api-tokens.ts';
import { SCIMMY, type ScimCtx } from './resources.ts';

export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function requireAdmin(w: Work) {
  if (w.actor.role !== 'admin') throw new Forbidden('only tenant admins provision through SCIM');
}

export type ScimResult = { status: number; body: unknown };

/**
 * One SCIM operation in one tenant transaction, as the SCIM token's admin (a token whose admin
 * is no longer an admin, or no longer active, stops working). SCIM protocol errors answer in
 * SCIM's error schema, with our envelope beside it.
 */
export async function runScim(
  ctx: RequestCtx,
  status: number,
  op: (s: ScimCtx) => Promise<unknown>,
  options: { readOnly?: boolean } = {},
): Promise<ScimResult> {
  try {
    const body = await withActor(
      ctx,
      async (w) => {
        requireAdmin(w);
        return JSON.parse(JSON.stringify((await op({ w, ctx })) ?? null));
      },
      { readOnly: options.readOnly },
    );
    return { status, body };
  } catch (err) {
    if (err instanceof SCIMMY.Types.Error) {
      const e = err as unknown as { status: number; scimType?: string; message: string };
      return {
        status: e.status,
        body: {
          schemas: [SCIM_ERROR],
          status: String(e.status),
          ...(e.scimType ? { scimType: e.scimType } : {}),
          detail: e.message,
          error: {
            code: e.status === 404 ? 'not_found' : e.status === 409 ? 'conflict' : 'bad_request',
            message: e.message,
            requestId: ctx.requestId,
          },
        },
      };
    }
    throw err;
  }
}

export async function createScimToken({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { name: string; expiresInDays: number };
}) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const { row, token } = await mintTokenCredential(w.tx, ctx.deps, ctx, w.actor, {
      kind: 'scim',
      name: input.name,
      scopes: ['scim'],
      days: input.expiresInDays,
    });
    w.audit({
      action: 'scim_token.created',
      resourceType: 'scim_token',
      resourceId: row.id,
      details: { expiresAt: row.expiresAt.toISOString() },
    });
    return { ...presentToken(row), createdBy: row.userId, token };
  });
}

export async function listScimTokens({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async (w) => {
      requireAdmin(w);
      const rows = await w.tx
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.tenantId, ctx.tenant.id),
            eq(sessions.kind, 'scim'),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, sql`now()`),
          ),
        )
        .orderBy(desc(sessions.createdAt))
        .limit(100);
      return { items: rows.map((r) => ({ ...presentToken(r), createdBy: r.userId })) };
    },
    { readOnly: true },
  );
}

export async function revokeScimToken({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const done = await w.tx
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: 'admin_revoked' })
      .where(
        and(
          eq(sessions.tenantId, ctx.tenant.id),
          eq(sessions.id, input.id),
          eq(sessions.kind, 'scim'),
          isNull(sessions.revokedAt),
        ),
      )
      .returning({ id: sessions.id });
    if (done.length === 0)
      throw new NotFound('SCIM token', { resourceType: 'scim_token', resourceId: input.id });
    w.audit({ action: 'scim_token.revoked', resourceType: 'scim_token', resourceId: input.id });
  });
}
