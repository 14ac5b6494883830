import { createRoute, z } from '@hono/zod-openapi';
import { ISOLATION_TIERS, PLAN_IDS } from '@quire/shared/plans';
import { REGION_PATTERN, SLUG_PATTERN, TENANT_LIFECYCLE } from '@quire/shared/routing';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import { plans, provisioningJobs, tenants } from '../../db/schema/index.ts';
import { commonErrors, json, jsonBody, opsSecurity, router } from '../../http/openapi.ts';
import { effectiveFlags } from '../flags/effective.ts';
import { allow } from '../ops-auth/middleware.ts';
import { type Caller, createTenant } from '../provisioning/create.ts';
import {
  effectiveLimits,
  findTenant,
  idOrSlugSchema,
  jobView,
  overridesSchema,
  presentJob,
  presentTenant,
  tenantView,
} from './presenter.ts';
import { setTenantPlan, setTenantStatus, updateTenantSettings } from './verbs.ts';

const caller = (c: Context<AppEnv>): Caller => ({ actor: c.get('actor'), requestId: c.get('requestId') });

const createBody = z
  .object({
    slug: z
      .string()
      .regex(SLUG_PATTERN)
      .openapi({ description: 'Subdomain-safe, unique forever', example: 'acme' }),
    displayName: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .openapi({ description: 'The organisation', example: 'Acme Corp' }),
    region: z.string().regex(REGION_PATTERN).openapi({ example: 'eu' }),
    plan: z.enum(PLAN_IDS),
    tier: z.enum(ISOLATION_TIERS).default('pooled'),
    strictResidency: z
      .boolean()
      .default(false)
      .openapi({ description: 'Serve only on the region hostname (the edge redirects the global one)' }),
    admin: z
      .object({
        email: z.email().max(254),
        name: z.string().trim().min(1).max(200),
        password: z
          .string()
          .min(12)
          .max(200)
          .optional()
          .openapi({ description: 'Omit to get an invitation token' }),
      })
      .strict()
      .openapi({ description: 'The first admin: sealed to the home cell at once, never stored here' }),
  })
  .strict()
  .openapi('CreateTenant');

const createResult = z
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

const changeResult = z.object({
  tenant: tenantView,
  changed: z.boolean(),
  push: z
    .object({ pushed: z.boolean(), error: z.string().nullable() })
    .nullable()
    .describe('Whether the home cell took the change now (else it converges on its next config pull)'),
});

const params = z.object({ idOrSlug: idOrSlugSchema });

export const tenantRoutes = router();

tenantRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/tenants',
    summary: 'Create a tenant: record, place, provision in its home cell, activate (idempotent)',
    description:
      '201 created and active; 200 a retry of an earlier request; 202 recorded but not active yet (progress at GET /v1/admin/tenants/{id}).',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.create')],
    request: {
      headers: z.object({
        'idempotency-key': z
          .string()
          .regex(/^[A-Za-z0-9_.:-]{8,128}$/)
          .optional()
          .openapi({ description: 'Same key and same request = same tenant' }),
      }),
      body: jsonBody(createBody),
    },
    responses: {
      200: json(createResult, 'A retry: the existing tenant'),
      201: json(createResult, 'Created and active'),
      202: json(createResult, 'Recorded; provisioning continues in the background'),
      ...commonErrors,
      503: json(z.object({ error: z.any() }), 'No active cell with room in the region (no_capacity)'),
    },
  }),
  async (c) => {
    const input = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const outcome = await createTenant(c.get('deps'), caller(c), input, key);
    const status = outcome.tenant.status === 'provisioning' ? 202 : outcome.created ? 201 : 200;
    return c.json(
      {
        tenant: presentTenant(outcome.tenant),
        job: presentJob(outcome.job),
        created: outcome.created,
        invitationToken: outcome.invitationToken,
      },
      status,
    );
  },
);

tenantRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/tenants',
    summary: 'List tenants (by id, with filters)',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.list')],
    request: {
      query: z.object({
        region: z.string().regex(REGION_PATTERN).optional(),
        status: z.enum(TENANT_LIFECYCLE).optional(),
        cellId: z.string().max(32).optional(),
        plan: z.enum(PLAN_IDS).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        after: z
          .string()
          .max(44)
          .optional()
          .openapi({ description: 'Cursor: the last id of the previous page' }),
      }),
    },
    responses: {
      200: json(z.object({ tenants: z.array(tenantView), nextCursor: z.string().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const where: SQL[] = [];
    if (q.region) where.push(eq(tenants.region, q.region));
    if (q.status) where.push(eq(tenants.status, q.status));
    if (q.cellId) where.push(eq(tenants.cellId, q.cellId));
    if (q.plan) where.push(eq(tenants.plan, q.plan));
    if (q.after) where.push(gt(tenants.id, q.after));
    const rows = await c
      .get('deps')
      .db.select()
      .from(tenants)
      .where(and(...where))
      .orderBy(asc(tenants.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    return c.json(
      { tenants: page.map(presentTenant), nextCursor: rows.length > q.limit ? page.at(-1)!.id : null },
      200,
    );
  },
);

tenantRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/tenants/{idOrSlug}',
    summary: 'One tenant: settings, provisioning progress, effective limits and flags',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.show')],
    request: { params },
    responses: {
      200: json(
        z.object({
          tenant: tenantView,
          job: jobView.nullable(),
          limits: z.record(z.string(), z.number().nullable()),
          flags: z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const db = c.get('deps').db;
    const tenant = await findTenant(db, c.req.valid('param').idOrSlug);
    const [job] = await db.select().from(provisioningJobs).where(eq(provisioningJobs.tenantId, tenant.id));
    const [plan] = await db.select().from(plans).where(eq(plans.id, tenant.plan));
    const flags = await effectiveFlags(db, tenant);
    return c.json(
      {
        tenant: presentTenant(tenant),
        job: job ? presentJob(job) : null,
        limits: effectiveLimits(plan?.limits ?? {}, tenant.planOverrides),
        flags: Object.fromEntries(flags.map((f) => [f.key, f.value])),
      },
      200,
    );
  },
);

tenantRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/admin/tenants/{idOrSlug}',
    summary: 'Change the display name or strict residency',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.update')],
    request: {
      params,
      body: jsonBody(
        z
          .object({
            displayName: z.string().trim().min(1).max(200).optional(),
            strictResidency: z.boolean().optional(),
          })
          .strict()
          .refine((v) => Object.keys(v).length > 0, 'nothing to change')
          .openapi('UpdateTenant'),
      ),
    },
    responses: { 200: json(changeResult), ...commonErrors },
  }),
  async (c) => {
    const r = await updateTenantSettings(
      c.get('deps'),
      caller(c),
      c.req.valid('param').idOrSlug,
      c.req.valid('json'),
    );
    return c.json({ ...r, tenant: presentTenant(r.tenant) }, 200);
  },
);

for (const [verb, target] of [
  ['suspend', 'suspended'],
  ['resume', 'active'],
] as const) {
  tenantRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/v1/admin/tenants/{idOrSlug}/${verb}`,
      summary:
        verb === 'suspend'
          ? 'Suspend a tenant: the edge and its cell refuse its users (403 tenant_suspended)'
          : 'Resume a suspended tenant',
      tags: ['tenants'],
      security: opsSecurity,
      middleware: [allow(`tenants.${verb}`)],
      request: { params },
      responses: { 200: json(changeResult), ...commonErrors },
    }),
    async (c) => {
      const r = await setTenantStatus(c.get('deps'), caller(c), c.req.valid('param').idOrSlug, target);
      return c.json({ ...r, tenant: presentTenant(r.tenant) }, 200);
    },
  );
}

tenantRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/tenants/{idOrSlug}/plan',
    summary: "Change a tenant's plan and, optionally, its per-tenant overrides (given = replaces all)",
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.set-plan')],
    request: {
      params,
      body: jsonBody(
        z
          .object({ plan: z.enum(PLAN_IDS), overrides: overridesSchema.optional() })
          .strict()
          .openapi('SetPlan'),
      ),
    },
    responses: { 200: json(changeResult), ...commonErrors },
  }),
  async (c) => {
    const r = await setTenantPlan(
      c.get('deps'),
      caller(c),
      c.req.valid('param').idOrSlug,
      c.req.valid('json'),
    );
    return c.json({ ...r, tenant: presentTenant(r.tenant) }, 200);
  },
);
