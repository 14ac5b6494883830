import { Conflict, Forbidden, NotFound } from '@quire/shared/errors';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { displayNames } from '../../../auth/display-names.ts';
import type { RequestCtx } from '../../../context.ts';
import { adminAlerts, identitySettings, sessions, ssoConnections, users } from '../../../db/schema/index.ts';
import { type Work, withActor } from '../../../unit-of-work.ts';
import { presentAlert } from '../alerts.ts';
import { type IdentitySettings, readIdentitySettings, ssoFlaggedUnavailable } from '../settings-store.ts';

function requireAdmin(w: Work) {
  if (w.actor.role !== 'admin') throw new Forbidden('only tenant admins manage identity settings');
}

export const presentSettings = (s: IdentitySettings) => ({
  mfaRequired: s.mfaRequired,
  passwordLogin: s.passwordLogin,
  trustIdpMfa: s.trustIdpMfa,
  ssoUnavailable: ssoFlaggedUnavailable(s),
  ssoUnavailableUntil: ssoFlaggedUnavailable(s) ? s.ssoUnavailableUntil!.toISOString() : null,
  deprovisionTransferTo: s.deprovisionTransferTo,
});

export async function getSettings({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async (w) => {
      requireAdmin(w);
      return presentSettings(await readIdentitySettings(w.tx, ctx.tenant.id));
    },
    { readOnly: true },
  );
}

export interface SettingsPatch {
  mfaRequired?: 'off' | 'admins' | 'all' | undefined;
  passwordLogin?: 'allowed' | 'sso_only' | undefined;
  trustIdpMfa?: boolean | undefined;
  deprovisionTransferTo?: string | null | undefined;
  /** Switch the "SSO unavailable" flag on for this many minutes, or off (0). */
  ssoUnavailableMinutes?: number | undefined;
}

/**
 * The tenant's identity policy. A new MFA requirement takes effect on the next request of
 * every session that has not passed a second factor (session_actor()), so an admin turning
 * it on for themselves must have passed one in this session. Switching the "SSO unavailable"
 * flag off ends every break-glass session.
 */
export async function updateSettings({ ctx, input }: { ctx: RequestCtx; input: SettingsPatch }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const t = ctx.tenant.id;
    const current = await readIdentitySettings(w.tx, t);
    const next = { ...current };
    if (input.mfaRequired !== undefined) next.mfaRequired = input.mfaRequired;
    if (input.passwordLogin !== undefined) next.passwordLogin = input.passwordLogin;
    if (input.trustIdpMfa !== undefined) next.trustIdpMfa = input.trustIdpMfa;
    if (input.deprovisionTransferTo !== undefined) {
      if (input.deprovisionTransferTo !== null) {
        const [u] = await w.tx
          .select({ status: users.status })
          .from(users)
          .where(and(eq(users.tenantId, t), eq(users.id, input.deprovisionTransferTo)));
        if (!u) throw new NotFound('user', { resourceType: 'user', resourceId: input.deprovisionTransferTo });
        if (u.status !== 'active') throw new Conflict('documents can only go to an active user');
      }
      next.deprovisionTransferTo = input.deprovisionTransferTo;
    }
    let breakGlassEnded = 0;
    if (input.ssoUnavailableMinutes !== undefined) {
      if (input.ssoUnavailableMinutes > 0) {
        next.ssoUnavailableUntil = new Date(Date.now() + input.ssoUnavailableMinutes * 60_000);
        next.ssoUnavailableBy = w.actor.userId;
      } else {
        next.ssoUnavailableUntil = null;
        next.ssoUnavailableBy = null;
        const ended = await w.tx
          .update(sessions)
          .set({ revokedAt: sql`now()`, revokedReason: 'sso_available_again' })
          .where(
            and(eq(sessions.tenantId, t), eq(sessions.authMethod, 'break_glass'), isNull(sessions.revokedAt)),
          )
          .returning({ id: sessions.id });
        breakGlassEnded = ended.length;
      }
    }
    const coversMe =
      next.mfaRequired === 'all' || (next.mfaRequired === 'admins' && w.actor.role === 'admin');
    if (coversMe && next.mfaRequired !== current.mfaRequired) {
      const [mine] = await w.tx
        .select({ mfaAt: sessions.mfaAt })
        .from(sessions)
        .where(and(eq(sessions.tenantId, t), eq(sessions.id, w.actor.sessionId)));
      if (!mine?.mfaAt)
        throw new Conflict('enrol a second factor and sign in with it before requiring one', {
          reason: 'mfa_first',
        });
    }
    if (next.passwordLogin === 'sso_only' && current.passwordLogin !== 'sso_only') {
      const enabled = await w.tx.$count(
        ssoConnections,
        and(eq(ssoConnections.tenantId, t), eq(ssoConnections.enabled, true)),
      );
      if (enabled === 0)
        throw new Conflict('configure and enable an SSO connection first', { reason: 'no_sso' });
    }
    const values = {
      mfaRequired: next.mfaRequired,
      passwordLogin: next.passwordLogin,
      trustIdpMfa: next.trustIdpMfa,
      deprovisionTransferTo: next.deprovisionTransferTo,
      ssoUnavailableUntil: next.ssoUnavailableUntil,
      ssoUnavailableBy: next.ssoUnavailableBy,
      updatedAt: new Date(),
    };
    const [saved] = await w.tx
      .insert(identitySettings)
      .values({ tenantId: t, ...values })
      .onConflictDoUpdate({ target: identitySettings.tenantId, set: values })
      .returning();
    w.audit({
      action: 'identity.settings_updated',
      resourceType: 'tenant',
      resourceId: t,
      details: { ...input, ...(breakGlassEnded ? { breakGlassSessionsEnded: breakGlassEnded } : {}) },
    });
    return presentSettings(saved!);
  });
}

export async function listAlerts({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async (w) => {
      requireAdmin(w);
      const rows = await w.tx
        .select()
        .from(adminAlerts)
        .where(eq(adminAlerts.tenantId, ctx.tenant.id))
        .orderBy(desc(adminAlerts.id))
        .limit(100);
      const names = await displayNames(
        w.tx,
        ctx.tenant.id,
        rows.map((a) => (typeof a.details.userId === 'string' ? a.details.userId : null)),
      );
      return { items: rows.map((a) => presentAlert(a, names)) };
    },
    { readOnly: true },
  );
}

export async function acknowledgeAlert({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const done = await w.tx
      .update(adminAlerts)
      .set({ acknowledgedAt: sql`now()`, acknowledgedBy: w.actor.userId })
      .where(
        and(
          eq(adminAlerts.tenantId, ctx.tenant.id),
          eq(adminAlerts.id, input.id),
          isNull(adminAlerts.acknowledgedAt),
        ),
      )
      .returning({ id: adminAlerts.id });
    if (done.length === 0) throw new NotFound('alert', { resourceType: 'alert', resourceId: input.id });
    w.audit({ action: 'identity.alert_acknowledged', resourceType: 'alert', resourceId: input.id });
  });
}
