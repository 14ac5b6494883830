import type { PlanId } from '@quire/shared/plans';
import type { TenantRecord } from '../../../context.ts';

/** The longest a link may live when the tenant's flags say nothing, per plan. */
const PLAN_MAX_DAYS: Record<PlanId, number> = { standard: 30, professional: 90, enterprise: 365 };
/** A link created without an expiry gets this one (or the maximum, if shorter). */
const DEFAULT_DAYS = 7;

export interface LinkPolicy {
  allowed: boolean;
  maxExpiryDays: number;
  defaultExpiryDays: number;
}

/**
 * A tenant's external-link policy, from its plan and the control plane's flags:
 * `sharing.external_links` (false turns links off: creating fails and existing links stop
 * answering) and `sharing.external_links_max_days` (a number of days).
 */
export function linkPolicy(tenant: TenantRecord): LinkPolicy {
  const flagged = tenant.flags['sharing.external_links_max_days'];
  const maxExpiryDays =
    typeof flagged === 'number' && flagged > 0 ? Math.min(flagged, 3650) : PLAN_MAX_DAYS[tenant.plan];
  return {
    allowed: tenant.flags['sharing.external_links'] !== false,
    maxExpiryDays,
    defaultExpiryDays: Math.min(DEFAULT_DAYS, maxExpiryDays),
  };
}
