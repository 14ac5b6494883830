import { Conflict, Unauthenticated } from '@quire/shared/errors';
import { and, eq, sql } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { sessions, users } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { type Work, withActor } from '../../../unit-of-work.ts';
import {
  confirmed,
  factorsOf,
  pending,
  remainingRecoveryCodes,
  removeFactors,
  replaceRecoveryCodes,
  spendTotp,
  startTotp,
} from '../mfa/factors.ts';

async function requiredByPolicy(tx: Tx, tenantId: string, userId: string): Promise<boolean> {
  const [row] = await tx.conn<{ required: boolean }[]>`
    select exists(select 1 from identity_settings p join users u on u.tenant_id = p.tenant_id and u.id = ${userId}
                  where p.tenant_id = ${tenantId}
                    and (p.mfa_required = 'all' or (p.mfa_required = 'admins' and u.role = 'admin'))
                  ) or exists(select 1 from users u where u.tenant_id = ${tenantId} and u.id = ${userId} and u.break_glass)
      as required`;
  return row!.required;
}

/** A code from the caller's enrolled factor, spent (each code works once). */
async function proveFactor(ctx: RequestCtx, w: Work, code: string): Promise<void> {
  const factors = confirmed(await factorsOf(w.tx, ctx.tenant.id, w.actor.userId));
  for (const f of factors) if (await spendTotp(w.tx, ctx.deps, f, code)) return;
  throw new Unauthenticated('the code is not valid');
}

export async function mfaStatus({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const factors = await factorsOf(tx, ctx.tenant.id, actor.userId);
      return {
        enrolled: confirmed(factors).length > 0,
        requiredByPolicy: await requiredByPolicy(tx, ctx.tenant.id, actor.userId),
        factors: confirmed(factors).map((f) => ({
          id: f.id,
          kind: f.kind,
          label: f.label,
          createdAt: f.createdAt.toISOString(),
        })),
        recoveryCodesRemaining: await remainingRecoveryCodes(tx, ctx.tenant.id, actor.userId),
      };
    },
    { readOnly: true },
  );
}

/** Step one of enrolling from a session: the secret for the authenticator app (unconfirmed). */
export async function startMyTotp({ ctx }: { ctx: RequestCtx }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    if (confirmed(await factorsOf(tx, ctx.tenant.id, actor.userId)).length > 0)
      throw new Conflict('an authenticator is already enrolled; remove it first');
    const [user] = await tx
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.tenantId, ctx.tenant.id), eq(users.id, actor.userId)));
    const started = await startTotp(tx, ctx.deps, ctx.tenant.id, actor.userId, user!.email);
    audit({
      action: 'auth.mfa_enrollment_started',
      resourceType: 'user',
      resourceId: actor.userId,
      details: { factorId: started.factorId },
    });
    return started;
  });
}

/**
 * Step two: the app's first code confirms the factor and returns the recovery codes (once).
 * This session has just passed the factor, so it is marked as such; the user's other logins
 * without a second factor stop working on their next request (session_actor()).
 */
export async function confirmMyTotp({ ctx, input }: { ctx: RequestCtx; input: { code: string } }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const factors = await factorsOf(tx, ctx.tenant.id, actor.userId);
    if (confirmed(factors).length > 0) throw new Conflict('an authenticator is already enrolled');
    let passed = false;
    for (const f of pending(factors)) if (await spendTotp(tx, ctx.deps, f, input.code)) passed = true;
    if (!passed) throw new Unauthenticated('the code is not valid');
    const recoveryCodes = await replaceRecoveryCodes(tx, ctx.tenant.id, actor.userId);
    await tx
      .update(sessions)
      .set({ mfaAt: sql`now()`, amr: sql`array_append(${sessions.amr}, 'otp')` })
      .where(and(eq(sessions.tenantId, ctx.tenant.id), eq(sessions.id, actor.sessionId)));
    audit({
      action: 'auth.mfa_enrolled',
      resourceType: 'user',
      resourceId: actor.userId,
      details: { kind: 'totp' },
    });
    return { recoveryCodes };
  });
}

export async function regenerateRecoveryCodes({ ctx, input }: { ctx: RequestCtx; input: { code: string } }) {
  return withActor(ctx, async (w) => {
    await proveFactor(ctx, w, input.code);
    const recoveryCodes = await replaceRecoveryCodes(w.tx, ctx.tenant.id, w.actor.userId);
    w.audit({ action: 'auth.recovery_codes_regenerated', resourceType: 'user', resourceId: w.actor.userId });
    return { recoveryCodes };
  });
}

/** Removing one's own factor needs a current code, and is refused where the policy requires one. */
export async function removeMyMfa({ ctx, input }: { ctx: RequestCtx; input: { code: string } }) {
  return withActor(ctx, async (w) => {
    if (await requiredByPolicy(w.tx, ctx.tenant.id, w.actor.userId))
      throw new Conflict("your organisation's policy requires a second factor");
    await proveFactor(ctx, w, input.code);
    await removeFactors(w.tx, ctx.tenant.id, w.actor.userId);
    w.audit({ action: 'auth.mfa_removed', resourceType: 'user', resourceId: w.actor.userId });
  });
}
