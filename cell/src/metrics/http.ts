import { databaseError } from '@quire/shared/database-errors';
import { QuireError } from '@quire/shared/errors';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../context.ts';
import type { CellMetrics } from './cell-metrics.ts';

/** The matched route's template (`/v1/documents/:id`), never the path itself; `unmatched` for 404s. */
function routeTemplate(c: Context): string {
  const path = routePath(c, -1);
  return !path || path === '*' || path === '/*' ? 'unmatched' : path;
}

/** Request count and latency per route template, method and status (and per tenant, top N). */
export const recordRequests = (metrics: CellMetrics) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.observeRequest({
        route: routeTemplate(c),
        method: c.req.method,
        status: c.res.status,
        seconds: (performance.now() - started) / 1000,
        tenantId: c.get('ctx')?.tenant.id,
      });
    }
  });

/**
 * Counts refusals that mean someone reached for another tenant's data: `tenant_mismatch`
 * (a token of one tenant on another's request, hostname or share link) and a row-level
 * security refusal (SQLSTATE 42501 from the policy check). Both must stay at zero.
 */
export function countCrossTenant(metrics: CellMetrics, err: unknown): void {
  if (err instanceof QuireError && err.code === 'tenant_mismatch') {
    metrics.crossTenant.inc({ kind: 'tenant_mismatch' });
    return;
  }
  const db = databaseError(err);
  if (db?.code === '42501' && db.routine === 'ExecWithCheckOptions')
    metrics.crossTenant.inc({ kind: 'rls_violation' });
}

/** GET /internal/metrics: Prometheus text, for the metrics credential only (never a user token). */
export async function metricsResponse(c: Context<AppEnv>, metrics: CellMetrics): Promise<Response> {
  const body = await metrics.registry.metrics();
  return c.body(body, 200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
}
