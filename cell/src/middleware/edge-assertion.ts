import { verifyEdgeAssertion } from '@quire/shared/edge-assertion';
import { EDGE_ASSERTION_HEADER, EDGE_TENANT_HEADER } from '@quire/shared/edge-headers';
import { Unauthenticated } from '@quire/shared/errors';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

export type EdgeVariables = {
  /** Set only when the request carries a valid edge assertion: what the edge resolved. */
  edge: { tenantId: string | null } | undefined;
};

/**
 * Checks the edge's assertion (shared/src/edge-assertion.ts). A request with an invalid or
 * stale assertion is refused; one without is refused only when the cell requires the edge.
 * Internal routes (the control plane's bearer) and /healthz never come through the edge.
 */
export const edgeAssertion = (o: { secret: string | undefined; required: boolean }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header(EDGE_ASSERTION_HEADER);
    const direct = c.req.path === '/healthz' || c.req.path.startsWith('/internal/');
    if (!o.secret || direct || (!header && !o.required)) {
      c.set('edge', undefined);
      return next();
    }
    const tenant = c.req.header(EDGE_TENANT_HEADER) ?? null;
    const tenantId = tenant && TENANT_ID_PATTERN.test(tenant) ? tenant : null;
    const ok = await verifyEdgeAssertion(o.secret, header, {
      requestId: c.req.header('x-request-id') ?? '',
      tenantId,
      method: c.req.method,
      path: c.req.path,
    });
    if (!ok) throw new Unauthenticated('requests must come through the edge');
    c.set('edge', { tenantId });
    await next();
  });
