import { createRoute, z } from '@hono/zod-openapi';
import { BadRequest, NotFound } from '@quire/shared/errors';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { ISOLATION_TIERS, PLAN_IDS } from '@quire/shared/plans';
import type { CellDeps } from '../../context.ts';
import { commonErrors, json, router } from '../../http/openapi.ts';
import { requireInternal } from '../../middleware/auth.ts';
import { requestMeta } from '../../middleware/client-info.ts';
import { provisionTenant } from './verbs/provision.ts';
import { updateTenant } from './verbs/update-status.ts';

const adminBody = z
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
  .strict();

const provisionBody = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,39}$/)
      .openapi({ description: 'Subdomain-safe tenant slug', example: 'acme' }),
    plan: z.enum(PLAN_IDS),
    tier: z.enum(ISOLATION_TIERS).default('pooled'),
    admin: z.union([
      adminBody,
      z
        .object({
          sealed: z.string().min(20).max(20_000).openapi({
            description: 'The admin object sealed to this cell (JWE, purpose provision:<tenantId>)',
          }),
        })
        .strict(),
    ]),
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
  const admin = 'sealed' in body.admin ? await openAdmin(deps, tenantId, body.admin.sealed) : body.admin;
  const result = await provisionTenant(deps, { tenantId, ...body, admin }, requestMeta(c));
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

/** The control plane seals the first admin to this cell: it never holds the email in clear. */
async function openAdmin(deps: CellDeps, tenantId: string, sealed: string) {
  let payload: unknown;
  try {
    payload = await deps.sealing.open(`provision:${tenantId}`, sealed);
  } catch {
    throw new BadRequest('the sealed admin payload cannot be opened by this cell', {
      field: 'admin.sealed',
    });
  }
  const parsed = adminBody.safeParse(payload);
  if (!parsed.success)
    throw new BadRequest('the sealed admin payload is not a valid admin', { field: 'admin.sealed' });
  return parsed.data;
}

const tenantState = createRoute({
  method: 'get',
  path: '/internal/v1/tenants/{tenantId}',
  summary: 'Whether a tenant is homed here, and its state (the provisioning saga checks it)',
  tags: ['internal'],
  security: [{ internalAuth: [] }],
  request: { params: z.object({ tenantId: z.string().regex(TENANT_ID_PATTERN) }) },
  responses: { 200: json(provisionResult.shape.tenant), ...commonErrors },
});

tenancyRoutes.openapi(tenantState, async (c) => {
  const deps = c.get('deps');
  const { tenantId } = c.req.valid('param');
  deps.tenants.invalidate(tenantId);
  const t = await deps.tenants.get(tenantId);
  if (!t) throw new NotFound('tenant', { resourceType: 'tenant', resourceId: tenantId });
  return c.json({ id: t.id, slug: t.slug, status: t.status, plan: t.plan, tier: t.tier }, 200);
});

const cellState = createRoute({
  method: 'get',
  path: '/internal/v1/cell',
  summary: 'This cell as it presents itself to the control plane (the heartbeat body)',
  tags: ['internal'],
  security: [{ internalAuth: [] }],
  responses: {
    200: json(
      z.object({
        cellId: z.string(),
        issuer: z.string(),
        keys: z.array(z.record(z.string(), z.unknown())),
        sealingKey: z.record(z.string(), z.unknown()),
        configVersion: z.string().nullable(),
      }),
    ),
    ...commonErrors,
  },
});

tenancyRoutes.openapi(cellState, (c) => {
  const deps = c.get('deps');
  return c.json(
    {
      cellId: deps.cellId,
      issuer: deps.tokens.issuer,
      keys: deps.tokens.publicJwks().keys as Record<string, unknown>[],
      sealingKey: deps.sealing.publicJwk as Record<string, unknown>,
      configVersion: deps.config.version,
    },
    200,
  );
});
