import { createRoute, z } from '@hono/zod-openapi';
import { BadRequest, NotFound } from '@quire/shared/errors';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import {
  type CellState,
  cellStateSchema,
  INTERNAL_CELL_PATH,
  type InternalTenant,
  internalTenantSchema,
  provisionAdminSchema,
  provisionTenantRequestSchema,
  provisionTenantResultSchema,
  updateTenantRequestSchema,
} from '@quire/shared/internal-api';
import { errorResponse } from '@quire/shared/openapi';
import type { PublicJwk } from '@quire/shared/routing';
import type { CellDeps, TenantRecord } from '../../context.ts';
import { commonErrors, json, router } from '../../http/openapi.ts';
import { requireInternal } from '../../middleware/auth.ts';
import { requestMeta } from '../../middleware/client-info.ts';
import { provisionTenant } from './verbs/provision.ts';
import { updateTenant } from './verbs/update-status.ts';

/**
 * The cell's internal API, for the control plane only (the edge never forwards `/internal`).
 * Requests and replies are the shared contract (shared/src/internal-api.ts) the control plane
 * parses every reply with: what this file answers is typed against it.
 */
const internal = { tags: ['internal'], security: [{ internalAuth: [] }] };
const tenantParams = z.object({ tenantId: z.string().regex(TENANT_ID_PATTERN) });
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** The tenant as the contract shows it: id, slug, status, plan, tier. */
const present = (t: Pick<TenantRecord, 'id' | 'slug' | 'status' | 'plan' | 'tier'>): InternalTenant => ({
  id: t.id,
  slug: t.slug,
  status: t.status,
  plan: t.plan,
  tier: t.tier,
});

export const tenancyRoutes = router();
tenancyRoutes.use('/internal/*', requireInternal());

tenancyRoutes.openapi(
  createRoute({
    ...internal,
    method: 'put',
    path: '/internal/v1/tenants/{tenantId}',
    summary: 'Provision a tenant in this cell (idempotent by tenant id)',
    request: { params: tenantParams, body: body(provisionTenantRequestSchema) },
    responses: {
      200: json(provisionTenantResultSchema),
      ...commonErrors,
      409: errorResponse(
        'The tenant exists with another first admin (conflict, details.reason tenant_exists)',
      ),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.req.valid('param');
    const input = c.req.valid('json');
    const admin = 'sealed' in input.admin ? await openAdmin(deps, tenantId, input.admin.sealed) : input.admin;
    const result = await provisionTenant(deps, { tenantId, ...input, admin }, requestMeta(c));
    return c.json({ ...result, tenant: present(result.tenant) }, 200);
  },
);

tenancyRoutes.openapi(
  createRoute({
    ...internal,
    method: 'patch',
    path: '/internal/v1/tenants/{tenantId}',
    summary: 'Suspend, resume or change the plan of a tenant',
    request: { params: tenantParams, body: body(updateTenantRequestSchema) },
    responses: { 200: json(internalTenantSchema), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const t = await updateTenant(deps, c.req.valid('param').tenantId, c.req.valid('json'), requestMeta(c));
    return c.json(present(t), 200);
  },
);

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
  const parsed = provisionAdminSchema.safeParse(payload);
  if (!parsed.success)
    throw new BadRequest('the sealed admin payload is not a valid admin', { field: 'admin.sealed' });
  return parsed.data;
}

tenancyRoutes.openapi(
  createRoute({
    ...internal,
    method: 'get',
    path: '/internal/v1/tenants/{tenantId}',
    summary: 'Whether a tenant is homed here, and its state (the provisioning saga checks it)',
    request: { params: tenantParams },
    responses: { 200: json(internalTenantSchema), ...commonErrors },
  }),
  async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.req.valid('param');
    deps.tenants.invalidate(tenantId);
    const t = await deps.tenants.get(tenantId);
    if (!t) throw new NotFound('tenant', { resourceType: 'tenant', resourceId: tenantId });
    return c.json(present(t), 200);
  },
);

tenancyRoutes.openapi(
  createRoute({
    ...internal,
    method: 'get',
    path: INTERNAL_CELL_PATH,
    summary: 'This cell as it presents itself to the control plane (what its heartbeat advertises)',
    responses: { 200: json(cellStateSchema), ...commonErrors },
  }),
  (c) => {
    const deps = c.get('deps');
    const state: CellState = {
      cellId: deps.cellId,
      issuer: deps.tokens.issuer,
      keys: deps.tokens.publicJwks().keys as PublicJwk[],
      sealingKey: deps.sealing.publicJwk,
      configVersion: deps.config.version,
    };
    return c.json(state, 200);
  },
);
