import { Forbidden, Unauthenticated } from '@quire/shared/errors';
import type { CellDeps } from '../../../context.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { auditNow, type Meta } from '../../identity/audit.ts';
import { BREAK_GLASS_TTL_MS, type LoginKind } from '../../identity/session-store.ts';
import { activeTenant, checkPassword, completeLogin, type LoginOutcome } from '../../identity/verbs/login.ts';
import { ssoUnavailable } from '../health.ts';

/**
 * When the customer's SSO is down: a pre-configured break-glass account (password + its
 * second factor, always) signs in, and only while SSO counts as unavailable (the admin's flag,
 * a recent IdP failure, or a probe of the IdPs now). The session is short (8 hours) and ends
 * when an admin switches the flag off. Every use is audited as an SSO bypass and raises an
 * alert for the tenant's admins (identity/verbs/second-factor.ts, once the factor is passed).
 */
export async function breakGlassLogin(
  deps: CellDeps,
  input: { tenantId: string; email: string; password: string; kind: LoginKind },
  meta: Meta,
): Promise<LoginOutcome> {
  const tenant = await activeTenant(deps, input.tenantId);
  const why = await withTenantTx(deps.db, tenant.id, (tx) => ssoUnavailable(deps, tx, tenant.id));
  if (!why) {
    await auditNow(deps, tenant.id, meta, 'anonymous', {
      action: 'auth.login_failed',
      resourceType: 'user',
      resourceId: null,
      details: { method: 'break_glass', reason: 'sso_available' },
    });
    throw new Forbidden('break-glass sign-in works only while single sign-on is unavailable', {
      reason: 'sso_available',
    });
  }
  const user = await checkPassword(deps, tenant, input, meta, 'break_glass');
  if (!user.breakGlass) {
    await auditNow(deps, tenant.id, meta, user.id, {
      action: 'auth.login_failed',
      resourceType: 'user',
      resourceId: user.id,
      details: { method: 'break_glass', reason: 'not_break_glass' },
    });
    throw new Unauthenticated('invalid credentials');
  }
  await auditNow(deps, tenant.id, meta, user.id, {
    action: 'auth.sso_bypass_started',
    resourceType: 'user',
    resourceId: user.id,
    details: { unavailable: why },
  });
  return completeLogin(
    deps,
    { tenant, user, authMethod: 'break_glass', amr: ['pwd'], kind: input.kind, ttlMs: BREAK_GLASS_TTL_MS },
    meta,
  );
}
