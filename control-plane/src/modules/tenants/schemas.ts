import { z } from '@hono/zod-openapi';
import { tenantIdSchema } from '@quire/shared/input/ids';
import { lineSchema } from '@quire/shared/input/text';
import { provisionAdminSchema } from '@quire/shared/internal-api';
import {
  ISOLATION_TIERS,
  PLAN_IDS,
  PLAN_LIMIT_KEYS,
  type PlanLimits,
  planLimitSchema,
} from '@quire/shared/plans';
import { CELL_ID_PATTERN, REGION_PATTERN, SLUG_PATTERN, TENANT_LIFECYCLE } from '@quire/shared/routing';
import { jobView } from '../provisioning/presenter.ts';
import { tenantView } from './presenter.ts';

/** Tenants are addressed by id (`ten_…`) or by slug; the two never collide (a slug has no `_`). */
export const idOrSlugSchema = z
  .string()
  .regex(/^(ten_)?[a-z0-9][a-z0-9-]{0,39}$/, 'must be a tenant id (ten_…) or slug')
  .openapi({ description: 'Tenant id or slug', example: 'acme' });

export const tenantParams = z.object({ idOrSlug: idOrSlugSchema });

export const overridesSchema = z
  .object(
    Object.fromEntries(PLAN_LIMIT_KEYS.map((k) => [k, planLimitSchema.nullable().optional()])) as Record<
      keyof PlanLimits,
      z.ZodOptional<z.ZodNullable<z.ZodNumber>>
    >,
  )
  .strict()
  .openapi('PlanOverrides', {
    description: 'Per-tenant limits replacing the plan values (null = unlimited)',
  });

export const createBody = z
  .object({
    slug: z
      .string()
      .regex(SLUG_PATTERN)
      .openapi({ description: 'Subdomain-safe, unique forever', example: 'acme' }),
    displayName: lineSchema(200).openapi({ description: 'The organisation', example: 'Acme Corp' }),
    region: z.string().regex(REGION_PATTERN).openapi({ example: 'eu' }),
    plan: z.enum(PLAN_IDS),
    tier: z.enum(ISOLATION_TIERS).default('pooled'),
    strictResidency: z
      .boolean()
      .default(false)
      .openapi({ description: 'Serve only on the region hostname (the edge redirects the global one)' }),
    admin: provisionAdminSchema.meta({
      description: 'The first admin: sealed to the home cell at once, never stored here',
    }),
  })
  .strict()
  .openapi('CreateTenant');

export const createResult = z
  .object({
    tenant: tenantView,
    job: jobView,
    created: z.boolean().describe('false when this was a retry of an earlier request'),
    invitationToken: z
      .string()
      .nullable()
      .describe(
        'For the first admin to set a password (from the cell; re-issued on each retry; never stored here)',
      ),
  })
  .openapi('CreateTenantResult');

export const changeResult = z.object({
  tenant: tenantView,
  changed: z.boolean(),
  push: z
    .object({ pushed: z.boolean(), error: z.string().nullable() })
    .nullable()
    .describe('Whether the home cell took the change now (else it converges on its next config pull)'),
});

export const offboardResult = z.object({
  tenant: tenantView,
  changed: z.boolean(),
  exportId: z
    .string()
    .nullable()
    .describe('The tenant export the home cell made for the customer (its admins download it from the cell)'),
});

export const listQuery = z.object({
  region: z.string().regex(REGION_PATTERN).optional(),
  status: z.enum(TENANT_LIFECYCLE).optional(),
  cellId: z.string().regex(CELL_ID_PATTERN).optional(),
  plan: z.enum(PLAN_IDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: tenantIdSchema.optional().meta({ description: 'Cursor: the last id of the previous page' }),
});

export const tenantDetail = z.object({
  tenant: tenantView,
  job: jobView.nullable(),
  limits: z.record(z.string(), z.number().nullable()),
  flags: z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])),
  usage: z
    .object({
      storageBytes: z.number(),
      documents: z.number(),
      users: z.number(),
      reportedAt: z
        .string()
        .openapi({ description: 'When the home cell last reported a change (heartbeat)' }),
    })
    .nullable()
    .openapi({
      description: 'Usage figures as the home cell reports them (numbers only); null before its first report',
    }),
});
