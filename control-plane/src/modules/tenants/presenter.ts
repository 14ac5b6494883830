import { z } from '@hono/zod-openapi';
import { ISOLATION_TIERS, PLAN_IDS, type PlanId } from '@quire/shared/plans';
import { TENANT_LIFECYCLE } from '@quire/shared/routing';
import type { TenantRow } from '../../db/schema/index.ts';

export const tenantView = z
  .object({
    id: z.string(),
    slug: z.string(),
    displayName: z.string(),
    region: z.string(),
    cellId: z.string().nullable(),
    plan: z.enum(PLAN_IDS),
    planOverrides: z.record(z.string(), z.number().nullable()),
    tier: z.enum(ISOLATION_TIERS),
    status: z.enum(TENANT_LIFECYCLE),
    strictResidency: z.boolean(),
    offboarding: z
      .object({
        startedAt: z.string().nullable(),
        deleteAfter: z.string().nullable().describe('End of the read-only grace period'),
        deletedAt: z.string().nullable(),
        purgedAt: z
          .string()
          .nullable()
          .describe('When the home cell confirmed the purge and key destruction'),
        purgeAttempts: z.number().int(),
        lastError: z.string().nullable(),
      })
      .nullable()
      .describe('Offboarding progress (null for a tenant never offboarded)'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Tenant');
export type TenantView = z.infer<typeof tenantView>;

export function presentTenant(t: TenantRow): TenantView {
  return {
    id: t.id,
    slug: t.slug,
    displayName: t.displayName,
    region: t.region,
    cellId: t.cellId,
    plan: t.plan as PlanId,
    planOverrides: t.planOverrides,
    tier: t.tier as TenantView['tier'],
    status: t.status as TenantView['status'],
    strictResidency: t.strictResidency,
    offboarding:
      t.offboardingStartedAt || t.deletedAt
        ? {
            startedAt: iso(t.offboardingStartedAt),
            deleteAfter: iso(t.deleteAfter),
            deletedAt: iso(t.deletedAt),
            purgedAt: iso(t.purgedAt),
            purgeAttempts: t.purgeAttempts,
            lastError: t.purgeLastError,
          }
        : null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
