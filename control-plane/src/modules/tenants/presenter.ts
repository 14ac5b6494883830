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
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}
