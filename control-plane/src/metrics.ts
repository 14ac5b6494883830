import { timingSafeEqual } from 'node:crypto';
import { Unauthenticated } from '@quire/shared/errors';
import { bearerToken } from '@quire/shared/openapi';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppEnv } from './context.ts';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];

/** What a scrape reads from the database: the cells' health and the tenants' reported usage. */
export interface CpMetricSources {
  cells(): Promise<{ id: string; up: boolean; heartbeatAgeSeconds: number | null }[]>;
  usage(): Promise<{ tenant: string; resource: string; value: number }[]>;
}

/**
 * The control plane's Prometheus metrics: requests and latency per route template, the cells
 * as heartbeats see them, and the usage figures cells report per tenant (numbers only; the
 * top N tenants per resource by value, the rest as `other` carrying their maximum).
 */
export class CpMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route' | 'method' | 'status'>;
  private sources: CpMetricSources | null = null;

  constructor(o: { topN: number }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service: 'control-plane' });
    this.requests = new Counter({
      name: 'quire_http_requests_total',
      help: 'Requests answered, by route template, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'quire_http_request_duration_seconds',
      help: 'Time to the response headers, by route template, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const self = this;
    new Gauge({
      name: 'quire_cell_up',
      help: '1 while the cell heartbeats (health up), 0 otherwise',
      labelNames: ['cell_id'],
      registers,
      async collect() {
        this.reset();
        for (const c of (await self.sources?.cells().catch(() => [])) ?? [])
          this.set({ cell_id: c.id }, c.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'quire_cell_heartbeat_age_seconds',
      help: "Seconds since the cell's last heartbeat",
      labelNames: ['cell_id'],
      registers,
      async collect() {
        this.reset();
        for (const c of (await self.sources?.cells().catch(() => [])) ?? [])
          if (c.heartbeatAgeSeconds !== null) this.set({ cell_id: c.id }, c.heartbeatAgeSeconds);
      },
    });
    new Gauge({
      name: 'quire_tenant_reported_usage',
      help: 'Usage figures the home cells report per tenant (storage bytes, documents, users): top N per resource, "other" = the highest of the rest',
      labelNames: ['tenant', 'resource'],
      registers,
      async collect() {
        this.reset();
        const rows = (await self.sources?.usage().catch(() => [])) ?? [];
        const byResource = new Map<string, { tenant: string; value: number }[]>();
        for (const r of rows) byResource.set(r.resource, [...(byResource.get(r.resource) ?? []), r]);
        for (const [resource, list] of byResource) {
          list.sort((a, b) => b.value - a.value || a.tenant.localeCompare(b.tenant));
          for (const r of list.slice(0, o.topN)) this.set({ tenant: r.tenant, resource }, r.value);
          if (list[o.topN]) this.set({ tenant: 'other', resource }, list[o.topN]!.value);
        }
      },
    });
  }

  setSources(sources: CpMetricSources): void {
    this.sources = sources;
  }
}

/** Request count and latency per route template (`/v1/admin/tenants/:idOrSlug`), never the path. */
export const recordRequests = (metrics: CpMetrics | undefined) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!metrics) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      const path = routePath(c, -1);
      const labels = {
        route: !path || path === '*' || path.endsWith('/*') ? 'unmatched' : path,
        method: c.req.method,
        status: String(c.res.status),
      };
      metrics.requests.inc(labels);
      metrics.latency.observe(labels, (performance.now() - started) / 1000);
    }
  });

/** GET /internal/metrics with METRICS_TOKEN; without one configured, the route does not exist. */
export async function metricsEndpoint(c: Context<AppEnv>, metrics: CpMetrics, token: string | undefined) {
  if (!token) return c.json({ error: { code: 'not_found', message: 'no such route' } }, 404);
  const expected = Buffer.from(token);
  const given = Buffer.from(bearerToken(c.req.header('authorization')) ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new Unauthenticated('invalid metrics credential');
  return c.body(await metrics.registry.metrics(), 200, {
    'content-type': metrics.registry.contentType,
    'cache-control': 'no-store',
  });
}
