import { BadRequest, Unauthenticated } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import { and, eq } from 'drizzle-orm';
import type { CellDeps } from '../../../context.ts';
import { users } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { raiseAlert } from '../alerts.ts';
import { auditInTx, auditNow, type Meta } from '../audit.ts';
import { type Challenge, consumeChallenge, failChallenge, readChallenge } from '../mfa/challenges.ts';
import {
  confirmed,
  factorsOf,
  pending,
  replaceRecoveryCodes,
  spendRecoveryCode,
  spendTotp,
  startTotp,
} from '../mfa/factors.ts';
import { type IssuedSession, startSession } from '../session-store.ts';
import { activeTenant } from './login.ts';

async function challengeOf(deps: CellDeps, token: string): Promise<Challenge> {
  const challenge = await readChallenge(deps.redis, token);
  if (!challenge || token.split('.')[0] !== challenge.tenantId)
    throw new Unauthenticated('the sign-in challenge is invalid or expired; sign in again');
  await activeTenant(deps, challenge.tenantId);
  return challenge;
}

/**
 * During a login whose user must have a second factor and has none: a TOTP secret to add to
 * an authenticator app. The login finishes with POST /v1/auth/mfa/verify and the app's first
 * code, which confirms the factor.
 */
export async function enrollDuringLogin(deps: CellDeps, input: { challenge: string }, meta: Meta) {
  const c = await challengeOf(deps, input.challenge);
  if (!c.enrollment) throw new BadRequest('a second factor is already enrolled: verify with it');
  return withTenantTx(deps.db, c.tenantId, async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, c.tenantId), eq(users.id, c.userId)));
    if (user?.status !== 'active') throw new Unauthenticated('the sign-in challenge is invalid');
    if (confirmed(await factorsOf(tx, c.tenantId, c.userId)).length > 0)
      throw new BadRequest('a second factor is already enrolled: verify with it');
    const started = await startTotp(tx, deps, c.tenantId, c.userId, user.email);
    await auditInTx(tx, c.tenantId, meta, c.userId, {
      action: 'auth.mfa_enrollment_started',
      resourceType: 'user',
      resourceId: c.userId,
      details: { factorId: started.factorId },
    });
    return { factorId: started.factorId, secret: started.secret, otpauthUri: started.otpauthUri };
  });
}

/**
 * The second factor of a login: a TOTP code (from the enrolled factor, or the factor being
 * enrolled, which it confirms) or a one-time recovery code. On success the challenge is
 * consumed (once: a racing duplicate is refused) and the session starts, marked as having
 * passed MFA. Wrong codes count against the challenge and are audited.
 */
export async function verifySecondFactor(
  deps: CellDeps,
  input: { challenge: string; code?: string | undefined; recoveryCode?: string | undefined },
  meta: Meta,
): Promise<{ session: IssuedSession; recoveryCodes: string[] | null }> {
  if (!input.code === !input.recoveryCode) throw new BadRequest('send either code or recoveryCode');
  const c = await challengeOf(deps, input.challenge);
  // Wrong codes count like wrong passwords, per address and per user: five per challenge, and
  // ten in fifteen minutes across challenges (a stolen password cannot brute-force the code).
  const userKey = `mfa-user:${c.userId}`;
  await deps.loginThrottle.assertAllowed(c.tenantId, meta.client.ip);
  await deps.loginThrottle.assertAllowed(c.tenantId, userKey);
  const result = await withTenantTx(deps.db, c.tenantId, async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, c.tenantId), eq(users.id, c.userId)));
    if (user?.status !== 'active') return { ok: false as const, reason: 'inactive' };
    const factors = await factorsOf(tx, c.tenantId, c.userId);
    const enrolled = confirmed(factors);
    let how: 'totp' | 'recovery_code';
    let recoveryCodes: string[] | null = null;
    if (input.recoveryCode) {
      how = 'recovery_code';
      if (enrolled.length === 0 || !(await spendRecoveryCode(tx, c.tenantId, c.userId, input.recoveryCode)))
        return { ok: false as const, reason: 'bad_recovery_code' };
    } else {
      how = 'totp';
      const candidates = enrolled.length > 0 ? enrolled : c.enrollment ? pending(factors) : [];
      let passed = false;
      for (const f of candidates) if (await spendTotp(tx, deps, f, input.code!)) passed = true;
      if (!passed) return { ok: false as const, reason: 'bad_code' };
      if (enrolled.length === 0) recoveryCodes = await replaceRecoveryCodes(tx, c.tenantId, c.userId);
    }
    // Exactly one request gets past this line per challenge; the others roll back.
    if (!(await consumeChallenge(deps.redis, input.challenge)))
      return { ok: false as const, reason: 'spent' };
    const session = await startSession(tx, deps, {
      tenantId: c.tenantId,
      userId: c.userId,
      role: user.role as TenantRole,
      kind: c.kind,
      authMethod: c.authMethod,
      amr: [...c.amr, how === 'totp' ? 'otp' : 'kba', 'mfa'],
      mfa: true,
      connectionId: c.connectionId,
      client: meta.client,
      ttlMs: c.ttlMs,
    });
    if (recoveryCodes)
      await auditInTx(tx, c.tenantId, meta, c.userId, {
        action: 'auth.mfa_enrolled',
        resourceType: 'user',
        resourceId: c.userId,
        details: { kind: 'totp' },
      });
    if (how === 'recovery_code')
      await auditInTx(tx, c.tenantId, meta, c.userId, {
        action: 'auth.recovery_code_used',
        resourceType: 'user',
        resourceId: c.userId,
      });
    if (c.authMethod === 'break_glass') {
      // An SSO bypass: recorded as such, and the tenant's admins are told.
      await auditInTx(tx, c.tenantId, meta, c.userId, {
        action: 'auth.sso_bypass',
        resourceType: 'session',
        resourceId: session.sessionId,
        details: { userId: c.userId },
      });
      await raiseAlert(tx, c.tenantId, {
        code: 'sso_bypass',
        message: 'A break-glass account signed in while single sign-on was unavailable',
        params: { userId: c.userId, sessionId: session.sessionId, ip: meta.client.ip },
      });
    }
    await auditInTx(tx, c.tenantId, meta, c.userId, {
      action: 'auth.login',
      resourceType: 'session',
      resourceId: session.sessionId,
      details: { method: c.authMethod, kind: c.kind, mfa: how },
    });
    return { ok: true as const, session, recoveryCodes };
  });
  if (!result.ok) {
    if (result.reason !== 'spent') {
      await failChallenge(deps.redis, input.challenge);
      await deps.loginThrottle.recordFailure(c.tenantId, meta.client.ip);
      await deps.loginThrottle.recordFailure(c.tenantId, userKey);
    }
    await auditNow(deps, c.tenantId, meta, c.userId, {
      action: 'auth.mfa_failed',
      resourceType: 'user',
      resourceId: c.userId,
      details: { method: c.authMethod, reason: result.reason },
    });
    throw new Unauthenticated('the code is not valid');
  }
  await deps.loginThrottle.reset(c.tenantId, userKey);
  return { session: result.session, recoveryCodes: result.recoveryCodes };
}
