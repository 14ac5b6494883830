import { Forbidden, QuireError, Unauthenticated } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import { and, eq, sql } from 'drizzle-orm';
import type { CellDeps, TenantRecord } from '../../../context.ts';
import { type AuthMethod, users } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { auditInTx, auditNow, type Meta } from '../audit.ts';
import { CHALLENGE_TTL_SECONDS, createChallenge } from '../mfa/challenges.ts';
import { dummyHash, verifyPassword } from '../passwords.ts';
import { type IssuedSession, type LoginKind, SESSION_TTL_MS, startSession } from '../session-store.ts';
import { readIdentitySettings } from '../settings-store.ts';

export type UserRow = typeof users.$inferSelect;

/** A login ends in a session, or in a challenge for the second factor (no session yet). */
export type LoginOutcome =
  | { type: 'session'; session: IssuedSession }
  | {
      type: 'mfa';
      challenge: string;
      methods: ('totp' | 'recovery_code')[];
      enrollmentRequired: boolean;
      expiresIn: number;
    };

/** A first factor the cell has checked: a password, or an IdP's signed assertion. */
export interface FirstFactor {
  tenant: TenantRecord;
  user: UserRow;
  authMethod: AuthMethod;
  amr: string[];
  /** The IdP says it did multi-factor authentication (counts only if the tenant trusts it). */
  idpMfa?: boolean;
  connectionId?: string | null;
  kind: LoginKind;
  ttlMs?: number;
}

export async function activeTenant(deps: CellDeps, tenantId: string): Promise<TenantRecord> {
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) throw new Unauthenticated('invalid credentials');
  // An offboarding tenant's people still sign in (read-only) to fetch their export.
  if (tenant.status === 'suspended') throw new QuireError('tenant_suspended', 'tenant is suspended');
  return tenant;
}

/**
 * After the first factor: a session at once when no second factor is owed (or the tenant
 * trusts the IdP's), else a challenge. Whether one is owed is the same SQL the actor load
 * asks on every request (`mfa_required()`), so a login cannot mint a session that the next
 * request would refuse, nor skip a factor the next request would demand.
 */
export async function completeLogin(deps: CellDeps, f: FirstFactor, meta: Meta): Promise<LoginOutcome> {
  const { tenant, user } = f;
  return withTenantTx(deps.db, tenant.id, async (tx) => {
    const [need] = await tx.conn<{ required: boolean; enrolled: boolean; trust: boolean }[]>`
      select mfa_required(${tenant.id}, ${user.id}, ${user.role}, ${user.breakGlass}) as required,
             exists(select 1 from mfa_factors f where f.tenant_id = ${tenant.id} and f.user_id = ${user.id}
                    and f.confirmed_at is not null) as enrolled,
             coalesce((select trust_idp_mfa from identity_settings s where s.tenant_id = ${tenant.id}), false) as trust`;
    const sso = f.authMethod === 'oidc' || f.authMethod === 'saml';
    const idpMfa = sso && f.idpMfa === true && need!.trust;
    if (need!.required && !idpMfa) {
      if (!need!.enrolled && f.authMethod === 'break_glass') {
        // A break-glass account is configured ahead of the outage, second factor included.
        await auditInTx(tx, tenant.id, meta, user.id, {
          action: 'auth.login_failed',
          resourceType: 'user',
          resourceId: user.id,
          details: { method: f.authMethod, reason: 'break_glass_without_mfa' },
        });
        return null;
      }
      const challenge = await createChallenge(deps.redis, {
        tenantId: tenant.id,
        userId: user.id,
        kind: f.kind,
        authMethod: f.authMethod,
        amr: f.amr,
        connectionId: f.connectionId ?? null,
        enrollment: !need!.enrolled,
        ttlMs: f.ttlMs ?? SESSION_TTL_MS,
      });
      await auditInTx(tx, tenant.id, meta, user.id, {
        action: 'auth.mfa_challenged',
        resourceType: 'user',
        resourceId: user.id,
        details: { method: f.authMethod, enrollment: !need!.enrolled },
      });
      return {
        type: 'mfa' as const,
        challenge,
        methods: need!.enrolled ? ['totp' as const, 'recovery_code' as const] : ['totp' as const],
        enrollmentRequired: !need!.enrolled,
        expiresIn: CHALLENGE_TTL_SECONDS,
      };
    }
    const session = await startSession(tx, deps, {
      tenantId: tenant.id,
      userId: user.id,
      role: user.role as TenantRole,
      kind: f.kind,
      authMethod: f.authMethod,
      amr: idpMfa ? [...f.amr, 'mfa'] : f.amr,
      mfa: idpMfa,
      connectionId: f.connectionId ?? null,
      client: meta.client,
      ttlMs: f.ttlMs,
    });
    await auditInTx(tx, tenant.id, meta, user.id, {
      action: 'auth.login',
      resourceType: 'session',
      resourceId: session.sessionId,
      details: { method: f.authMethod, kind: f.kind, mfa: idpMfa ? 'idp' : false },
    });
    return { type: 'session' as const, session };
  }).then((outcome) => {
    if (!outcome) throw new Unauthenticated('invalid credentials');
    return outcome;
  });
}

/**
 * Checks email and password for a tenant: throttled per tenant + address, every failure
 * audited, the same work (and answer) whether or not the user exists. Returns the user.
 */
export async function checkPassword(
  deps: CellDeps,
  tenant: TenantRecord,
  input: { email: string; password: string },
  meta: Meta,
  method: AuthMethod = 'password',
): Promise<UserRow> {
  await deps.loginThrottle.assertAllowed(tenant.id, meta.client.ip);
  const [user] = await withTenantTx(deps.db, tenant.id, (tx) =>
    tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenant.id), sql`lower(${users.email}) = lower(${input.email})`)),
  );
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok || user.status !== 'active') {
    await deps.loginThrottle.recordFailure(tenant.id, meta.client.ip);
    await auditNow(deps, tenant.id, meta, user?.id ?? 'anonymous', {
      action: 'auth.login_failed',
      resourceType: 'user',
      resourceId: user?.id ?? null,
      details: { method, reason: !user ? 'unknown_user' : !ok ? 'bad_password' : 'inactive' },
    });
    throw new Unauthenticated('invalid credentials');
  }
  await deps.loginThrottle.reset(tenant.id, meta.client.ip);
  return user;
}

/**
 * Password login. A tenant that signs in through SSO only (`passwordLogin: sso_only`) refuses
 * it before any password is checked (no oracle); its break-glass accounts use
 * POST /v1/auth/break-glass while SSO is unavailable.
 */
export async function passwordLogin(
  deps: CellDeps,
  input: { tenantId: string; email: string; password: string; kind: LoginKind },
  meta: Meta,
): Promise<LoginOutcome> {
  const tenant = await activeTenant(deps, input.tenantId);
  const settings = await withTenantTx(deps.db, tenant.id, (tx) => readIdentitySettings(tx, tenant.id));
  if (settings.passwordLogin === 'sso_only') {
    await auditNow(deps, tenant.id, meta, 'anonymous', {
      action: 'auth.login_failed',
      resourceType: 'user',
      resourceId: null,
      details: { method: 'password', reason: 'sso_required' },
    });
    throw new Forbidden('this organisation signs in with SSO', { reason: 'sso_required' });
  }
  const user = await checkPassword(deps, tenant, input, meta);
  if (user.breakGlass) {
    // A break-glass account works only through POST /v1/auth/break-glass, while SSO is down.
    await auditNow(deps, tenant.id, meta, user.id, {
      action: 'auth.login_failed',
      resourceType: 'user',
      resourceId: user.id,
      details: { method: 'password', reason: 'break_glass_account' },
    });
    throw new Unauthenticated('invalid credentials');
  }
  return completeLogin(deps, { tenant, user, authMethod: 'password', amr: ['pwd'], kind: input.kind }, meta);
}
