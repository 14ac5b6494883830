import { createRoute, z } from '@hono/zod-openapi';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { ISOLATION_TIERS, PLAN_IDS } from '@quire/shared/plans';
import { commonErrors, json, router } from '../../http/openapi.ts';
import { requireInternal } from '../../middleware/auth.ts';
import { requestMeta } from '../../middleware/client-info.ts';
import { provisionTenant } from './verbs/provision.ts';
import { updateTenant } from './verbs/update-status.ts';

const provisionBody = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,39}$/)
      .openapi({ description: 'Subdomain-safe tenant slug', example: 'acme' }),
    plan: z.enum(PLAN_IDS),
    tier: z.enum(ISOLATION_TIERS).default('pooled'),
    admin: z
      .object({
        email: z.email().max(254),
        name: z.string().trim().min(1).max(200),
        password: z
          .string()
          .min(12)
          .max(200)
          .optional()
          .openapi({ description: 'Initial password; omit to get an invitation token' }),
      })
      .strict(),
  })
  .strict()
  .openapi('ProvisionTenant');

const provisionResult = z
  .object({
    tenant: z.object({
      id: z.string(),
      slug: z.string(),
      status: z.string(),
      plan: z.string(),
      tier: z.string(),
    }),
    adminUserId: z.string(),
    invitationToken: z
      .string()
      .nullable()
      .openapi({ description: 'Hand to the first admin to set a password; null once accepted' }),
  })
  .openapi('ProvisionResult');

const provision = createRoute({
  method: 'put',
  path: '/internal/v1/tenants/{tenantId}',
  summary: 'Provision a tenant in this cell (idempotent by tenant id)',
  tags: ['internal'],
  security: [{ internalAuth: [] }],
  request: {
    params: z.object({ tenantId: z.string().regex(TENANT_ID_PATTERN) }),
    body: { content: { 'application/json': { schema: provisionBody } }, required: true },
  },
  responses: { 200: json(provisionResult), ...commonErrors },
});

export const tenancyRoutes = router();
tenancyRoutes.use('/internal/*', requireInternal());
tenancyRoutes.openapi(provision, async (c) => {
  const deps = c.get('deps');
  const { tenantId } = c.req.valid('param');
  const body = c.req.valid('json');
  const result = await provisionTenant(deps, { tenantId, ...body }, requestMeta(c));
  const t = result.tenant;
  return c.json(
    { ...result, tenant: { id: t.id, slug: t.slug, status: t.status, plan: t.plan, tier: t.tier } },
    200,
  );
});

const update = createRoute({
  method: 'patch',
  path: '/internal/v1/tenants/{tenantId}',
  summary: 'Suspend, resume or change the plan of a tenant',
  tags: ['internal'],
  security: [{ internalAuth: [] }],
  request: {
    params: z.object({ tenantId: z.string().regex(TENANT_ID_PATTERN) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ status: z.enum(['active', 'suspended']).optional(), plan: z.enum(PLAN_IDS).optional() })
            .strict()
            .openapi('UpdateTenant'),
        },
      },
    },
  },
  responses: { 200: json(provisionResult.shape.tenant), ...commonErrors },
});

tenancyRoutes.openapi(update, async (c) => {
  const deps = c.get('deps');
  return c.json(
    await updateTenant(deps, c.req.valid('param').tenantId, c.req.valid('json'), requestMeta(c)),
    200,
  );
});
