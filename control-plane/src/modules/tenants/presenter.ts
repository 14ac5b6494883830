import { z } from '@hono/zod-openapi';
import { NotFound } from '@quire/shared/errors';
import { ISOLATION_TIERS, PLAN_IDS, PLANS, type PlanId, type PlanLimits } from '@quire/shared/plans';
import { TENANT_LIFECYCLE } from '@quire/shared/routing';
import { eq } from 'drizzle-orm';
import type { Conn } from '../../db/client.ts';
import { type provisioningJobs, tenants } from '../../db/schema/index.ts';

export type TenantRow = typeof tenants.$inferSelect;
export type JobRow = typeof provisioningJobs.$inferSelect;

export const LIMIT_KEYS = Object.keys(PLANS.standard) as (keyof PlanLimits)[];

export const overridesSchema = z
  .object(
    Object.fromEntries(LIMIT_KEYS.map((k) => [k, z.number().int().min(0).nullable().optional()])) as Record<
      keyof PlanLimits,
      z.ZodOptional<z.ZodNullable<z.ZodNumber>>
    >,
  )
  .strict()
  .openapi('PlanOverrides', {
    description: 'Per-tenant limits replacing the plan values (null = unlimited)',
  });

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

export const jobView = z
  .object({
    id: z.string(),
    step: z.enum(['recorded', 'placed', 'cell_provisioned', 'active', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    history: z.array(z.object({ step: z.string(), at: z.string() })),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('ProvisioningJob');

export function presentTenant(t: TenantRow): z.infer<typeof tenantView> {
  return {
    id: t.id,
    slug: t.slug,
    displayName: t.displayName,
    region: t.region,
    cellId: t.cellId,
    plan: t.plan as PlanId,
    planOverrides: t.planOverrides,
    tier: t.tier as z.infer<typeof tenantView>['tier'],
    status: t.status as z.infer<typeof tenantView>['status'],
    strictResidency: t.strictResidency,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function presentJob(j: JobRow): z.infer<typeof jobView> {
  return {
    id: j.id,
    step: j.step as z.infer<typeof jobView>['step'],
    attempts: j.attempts,
    lastError: j.lastError,
    history: j.history,
    nextAttemptAt: j.completedAt || j.step === 'failed' ? null : j.nextAttemptAt.toISOString(),
    createdAt: j.createdAt.toISOString(),
    completedAt: j.completedAt?.toISOString() ?? null,
  };
}

/** Tenants are addressed by id (`ten_…`) or by slug; the two never collide (a slug has no `_`). */
export const idOrSlugSchema = z
  .string()
  .regex(/^(ten_)?[a-z0-9][a-z0-9-]{0,39}$/, 'must be a tenant id (ten_…) or slug')
  .openapi({ description: 'Tenant id or slug', example: 'acme' });

export async function findTenant(conn: Conn, idOrSlug: string, lock = false): Promise<TenantRow> {
  const where = idOrSlug.startsWith('ten_') ? eq(tenants.id, idOrSlug) : eq(tenants.slug, idOrSlug);
  const q = conn.select().from(tenants).where(where);
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFound('tenant');
  return row;
}

/** The plan's limits with the tenant's overrides applied. */
export function effectiveLimits(
  planLimits: Record<string, number | null>,
  overrides: Record<string, number | null>,
) {
  return { ...planLimits, ...overrides };
}
