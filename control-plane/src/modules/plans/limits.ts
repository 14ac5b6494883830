import { PLANS, type PlanId } from '@quire/shared/plans';

/** The plan's limits (as ops set them in the plans table) with the tenant's overrides applied. */
export function effectiveLimits(
  planLimits: Record<string, number | null>,
  overrides: Record<string, number | null>,
): Record<string, number | null> {
  return { ...planLimits, ...overrides };
}

/**
 * How many documents these limits allow (null = unlimited). A limits record without the key
 * (a plan edited before the key existed) falls back to the design's plan table.
 */
export function documentsQuota(limits: Record<string, number | null>, plan: PlanId): number | null {
  const value = limits.documents;
  return value === undefined ? PLANS[plan].documents : value;
}
