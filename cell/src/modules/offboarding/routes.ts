import { createRoute, z } from '@hono/zod-openapi';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import {
  beginOffboardingResultSchema,
  type PurgeTenantResult,
  purgeTenantResultSchema,
} from '@quire/shared/internal-api';
import { errorResponse } from '@quire/shared/openapi';
import { commonErrors, json, router } from '../../http/openapi.ts';
import { requireInternal } from '../../middleware/auth.ts';
import { requestMeta } from '../../middleware/client-info.ts';
import { beginOffboarding } from './verbs/begin.ts';
import { purgeTenant } from './verbs/purge.ts';

/** How long the DELETE waits for the purge before answering 202 (the purge goes on; call again). */
const PURGE_ANSWER_WAIT_MS = 10_000;

const internal = { tags: ['internal'], security: [{ internalAuth: [] }] };
const tenantParams = z.object({ tenantId: z.string().regex(TENANT_ID_PATTERN) });

/** Tenant offboarding, for the control plane only (the internal API; the edge never forwards it). */
export const offboardingRoutes = router();
offboardingRoutes.use('/internal/*', requireInternal());

offboardingRoutes.openapi(
  createRoute({
    ...internal,
    method: 'post',
    path: '/internal/v1/tenants/{tenantId}/offboarding',
    summary: 'Start offboarding: the tenant goes read-only and its export for the customer is made',
    request: { params: tenantParams },
    responses: {
      200: json(beginOffboardingResultSchema),
      ...commonErrors,
      409: errorResponse('A legal hold is active (conflict, details.reason legal_hold)'),
    },
  }),
  async (c) => {
    const r = await beginOffboarding(c.get('deps'), c.req.valid('param').tenantId, requestMeta(c));
    const t = r.tenant;
    return c.json(
      {
        tenant: { id: t.id, slug: t.slug, status: t.status, plan: t.plan, tier: t.tier },
        exportId: r.exportId,
      },
      200,
    );
  },
);

offboardingRoutes.openapi(
  createRoute({
    ...internal,
    method: 'delete',
    path: '/internal/v1/tenants/{tenantId}',
    summary:
      'Purge an offboarded tenant: every row, blob, index entry and Redis key, then its key destroyed (crypto-shredding)',
    description:
      '200 once done (again: the same answer and anonymised summary); 202 while the purge runs (call again); 404 a tenant this cell never had; 409 a tenant that is not offboarding.',
    request: { params: tenantParams },
    responses: {
      200: json(purgeTenantResultSchema),
      202: json(purgeTenantResultSchema),
      ...commonErrors,
      409: errorResponse('The tenant is not offboarding (conflict, details.reason not_offboarding)'),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const { tenantId } = c.req.valid('param');
    const run = purgeTenant(deps, tenantId);
    const waited = await Promise.race([
      run,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), PURGE_ANSWER_WAIT_MS).unref()),
    ]);
    if (waited === null) {
      run.catch((err: unknown) => deps.log.error('tenant purge failed', { tenantId, err: String(err) }));
      const body: PurgeTenantResult = { tenantId, state: 'deleting', summary: null };
      return c.json(body, 202);
    }
    return c.json(waited, 200);
  },
);
