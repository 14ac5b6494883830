/** The plan's limits (as ops set them in the plans table) with the tenant's overrides applied. */
export function effectiveLimits(
  planLimits: Record<string, number | null>,
  overrides: Record<string, number | null>,
): Record<string, number | null> {
  return { ...planLimits, ...overrides };
}
