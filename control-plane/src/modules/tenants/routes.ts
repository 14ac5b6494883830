import { createRoute, z } from '@hono/zod-openapi';
import { lineSchema } from '@quire/shared/input/text';
import { PLAN_IDS } from '@quire/shared/plans';
import type { Context } from 'hono';
import type { AppEnv } from '../../context.ts';
import {
  bodyErrors,
  commonErrors,
  errorResponse,
  json,
  jsonBody,
  opsCtx,
  opsSecurity,
  router,
} from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';
import { createTenant } from '../provisioning/create.ts';
import { presentJob } from '../provisioning/presenter.ts';
import { presentTenant, tenantView } from './presenter.ts';
import {
  changeResult,
  createBody,
  createResult,
  listQuery,
  offboardResult,
  overridesSchema,
  tenantDetail,
  tenantParams,
} from './schemas.ts';
import { getTenant } from './verbs/get-tenant.ts';
import { listTenants } from './verbs/list-tenants.ts';
import { offboardTenant, reactivateTenant } from './verbs/offboard.ts';
import { setTenantPlan } from './verbs/set-plan.ts';
import type { ChangeResult } from './verbs/set-status.ts';
import { setTenantStatus } from './verbs/set-status.ts';
import { updateTenantSettings } from './verbs/update-settings.ts';

const changed = (c: Context<AppEnv>, r: ChangeResult) =>
  c.json({ ...r, tenant: presentTenant(r.tenant) }, 200);

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
      400: commonErrors[400],
      401: commonErrors[401],
      403: commonErrors[403],
      404: errorResponse('No cell was ever opened in the region (details.reason unknown_region)'),
      409: errorResponse(
        'details.reason: slug_taken (the slug belongs to a tenant created with other settings), idempotency_key_reused, tenant_not_live, or search_engine_capacity (no cell of the region with room runs a search engine that serves the plan documents quota; details.capableCellIds lists the cells of the region that could)',
      ),
      ...bodyErrors,
      503: errorResponse(
        'unavailable: no active cell with room in the region (details.reason no_capacity), or a retry found the tenant active but its cell could not re-issue the invitation',
      ),
    },
  }),
  async (c) => {
    const input = { ...c.req.valid('json'), idempotencyKey: c.req.valid('header')['idempotency-key'] };
    const outcome = await createTenant({ ctx: opsCtx(c), input });
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
    request: { query: listQuery },
    responses: {
      200: json(z.object({ tenants: z.array(tenantView), nextCursor: z.string().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await listTenants({ ctx: opsCtx(c), input: c.req.valid('query') }), 200),
);

tenantRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/tenants/{idOrSlug}',
    summary: 'One tenant: settings, provisioning progress, effective limits and flags',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.show')],
    request: { params: tenantParams },
    responses: { 200: json(tenantDetail), ...commonErrors },
  }),
  async (c) => c.json(await getTenant({ ctx: opsCtx(c), input: c.req.valid('param') }), 200),
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
      params: tenantParams,
      body: jsonBody(
        z
          .object({
            displayName: lineSchema(200).optional(),
            strictResidency: z.boolean().optional(),
          })
          .strict()
          .refine((v) => Object.keys(v).length > 0, 'nothing to change')
          .openapi('UpdateTenant', { minProperties: 1 }),
      ),
    },
    responses: { 200: json(changeResult), ...commonErrors },
  }),
  async (c) =>
    changed(
      c,
      await updateTenantSettings({
        ctx: opsCtx(c),
        input: { ...c.req.valid('param'), ...c.req.valid('json') },
      }),
    ),
);

for (const [verb, status] of [
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
      request: { params: tenantParams },
      responses: { 200: json(changeResult), ...commonErrors },
    }),
    async (c) =>
      changed(c, await setTenantStatus({ ctx: opsCtx(c), input: { ...c.req.valid('param'), status } })),
  );
}

tenantRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/tenants/{idOrSlug}/offboard',
    summary:
      'Start offboarding: read-only grace period (30 days), the customer export made by the cell, then deletion',
    description:
      'The home cell is asked first (it refuses while a legal hold is active: 409 legal_hold; unreachable: 503). Again on an offboarding tenant: changed false.',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.offboard')],
    request: { params: tenantParams },
    responses: {
      200: json(offboardResult),
      ...commonErrors,
      409: errorResponse('details.reason: invalid_status (deleted or provisioning), or legal_hold'),
      503: errorResponse('The home cell could not be reached (unavailable, details.reason cell_unreachable)'),
    },
  }),
  async (c) => {
    const r = await offboardTenant({ ctx: opsCtx(c), input: c.req.valid('param') });
    return c.json({ ...r, tenant: presentTenant(r.tenant) }, 200);
  },
);

tenantRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/tenants/{idOrSlug}/reactivate',
    summary: 'End an offboarding during its grace period: the tenant is active again',
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.reactivate')],
    request: { params: tenantParams },
    responses: {
      200: json(changeResult),
      ...commonErrors,
      409: errorResponse('details.reason: invalid_status (the tenant is not offboarding)'),
    },
  }),
  async (c) => changed(c, await reactivateTenant({ ctx: opsCtx(c), input: c.req.valid('param') })),
);

tenantRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/tenants/{idOrSlug}/plan',
    summary: "Change a tenant's plan and, optionally, its per-tenant overrides (given = replaces all)",
    tags: ['tenants'],
    security: opsSecurity,
    middleware: [allow('tenants.set-plan')],
    request: {
      params: tenantParams,
      body: jsonBody(
        z
          .object({ plan: z.enum(PLAN_IDS), overrides: overridesSchema.optional() })
          .strict()
          .openapi('SetPlan'),
      ),
    },
    responses: {
      200: json(changeResult),
      ...commonErrors,
      409: errorResponse(
        "details.reason: invalid_status (the tenant is not active or suspended), or search_engine_capacity (the change raises the documents quota past what the home cell's search engine serves; details name the cell, its engine and limit, and capableCellIds in the region)",
      ),
      ...bodyErrors,
    },
  }),
  async (c) =>
    changed(
      c,
      await setTenantPlan({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
    ),
);
