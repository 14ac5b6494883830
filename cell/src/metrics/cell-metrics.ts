import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TopTenants } from './top-tenants.ts';

/** Latency buckets (seconds): the API's p99 target is 0.2 s; search and uploads run longer. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30];

/** Quota usage as a scrape reads it: one row per tenant and counted resource. */
export interface QuotaGaugeRow {
  tenant: string;
  resource: string;
  used: number;
  /** null = unlimited */
  limit: number | null;
}

/** Backlog of background work, read at scrape time. */
export interface JobGaugeRow {
  queue: string;
  depth: number;
  oldestWaitSeconds: number;
}

export interface MetricSources {
  quotas?: () => Promise<QuotaGaugeRow[]>;
  jobs?: () => Promise<JobGaugeRow[]>;
}

/**
 * The cell's Prometheus metrics, one registry per cell instance (tests run several in one
 * process). No tenant content in any label: route templates (`/v1/documents/:id`), never
 * paths; tenant ids only, and only the top N (TopTenants) plus `other`.
 */
export class CellMetrics {
  readonly registry = new Registry();
  readonly topN: number;
  private readonly tenantRequests: TopTenants;
  private readonly tenantThrottles: TopTenants;
  private sources: MetricSources = {};

  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route' | 'method' | 'status'>;
  readonly throttles: Counter<'resource' | 'mode'>;
  readonly limiterDegraded: Gauge;
  readonly searchLatency: Histogram<'engine'>;
  readonly crossTenant: Counter<'kind'>;

  constructor(o: { cellId: string; topN: number }) {
    this.topN = o.topN;
    this.tenantRequests = new TopTenants(o.topN);
    this.tenantThrottles = new TopTenants(o.topN);
    this.registry.setDefaultLabels({ cell: o.cellId });
    const registers = [this.registry];
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
    this.throttles = new Counter({
      name: 'quire_rate_limit_throttled_total',
      help: 'Requests refused by a rate limit (429), by policy and whether Redis or the process decided',
      labelNames: ['resource', 'mode'],
      registers,
    });
    this.limiterDegraded = new Gauge({
      name: 'quire_rate_limiter_degraded',
      help: '1 while Redis is unreachable and each process limits on its own',
      registers,
    });
    this.searchLatency = new Histogram({
      name: 'quire_search_duration_seconds',
      help: 'Search engine time per query, by engine',
      labelNames: ['engine'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.crossTenant = new Counter({
      name: 'quire_cross_tenant_attempts_total',
      help: "Requests refused for reaching another tenant's data (tenant_mismatch, a row-level security refusal); must stay 0",
      labelNames: ['kind'],
      registers,
    });
    // Present from the first scrape, so "any increase" alerts have a zero to start from.
    for (const kind of ['tenant_mismatch', 'rls_violation']) this.crossTenant.inc({ kind }, 0);
    const tenantRequests = this.tenantRequests;
    new Gauge({
      name: 'quire_tenant_requests',
      help: 'Requests per tenant since the process started (top N tenants, the rest as "other")',
      labelNames: ['tenant', 'status_class'],
      registers,
      collect() {
        this.reset();
        for (const r of tenantRequests.rows()) this.set({ tenant: r.tenant, ...r.labels }, r.value);
      },
    });
    const tenantThrottles = this.tenantThrottles;
    new Gauge({
      name: 'quire_tenant_throttled',
      help: 'Rate-limit refusals per tenant since the process started (top N tenants, the rest as "other")',
      labelNames: ['tenant', 'resource'],
      registers,
      collect() {
        this.reset();
        for (const r of tenantThrottles.rows()) this.set({ tenant: r.tenant, ...r.labels }, r.value);
      },
    });
    // Gauges of one scrape are collected concurrently: two of them share one read.
    const quotaRows = sharedRead(async () =>
      selectQuotaRows((await this.sources.quotas?.().catch(() => [])) ?? [], this.topN),
    );
    const jobRows = sharedRead(async () => (await this.sources.jobs?.().catch(() => [])) ?? []);
    new Gauge({
      name: 'quire_quota_usage_ratio',
      help: 'Usage / limit of a counted quota (top N tenants per resource; "other" = the highest of the rest)',
      labelNames: ['tenant', 'resource'],
      registers,
      async collect() {
        this.reset();
        for (const r of await quotaRows()) this.set({ tenant: r.tenant, resource: r.resource }, r.ratio);
      },
    });
    new Gauge({
      name: 'quire_quota_used',
      help: 'Usage of a counted quota (storage bytes, documents, users), for the tenants of quire_quota_usage_ratio',
      labelNames: ['tenant', 'resource'],
      registers,
      async collect() {
        this.reset();
        for (const r of await quotaRows()) this.set({ tenant: r.tenant, resource: r.resource }, r.used);
      },
    });
    new Gauge({
      name: 'quire_job_queue_depth',
      help: 'Background work waiting, by queue (search: tenants with unindexed changes)',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const r of await jobRows()) this.set({ queue: r.queue }, r.depth);
      },
    });
    new Gauge({
      name: 'quire_job_oldest_wait_seconds',
      help: 'Age of the oldest background work not yet picked up, by queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const r of await jobRows()) this.set({ queue: r.queue }, r.oldestWaitSeconds);
      },
    });
  }

  /** Where scrape-time gauges read from (set once the cell's deps exist). */
  setSources(sources: MetricSources): void {
    this.sources = sources;
  }

  observeRequest(o: { route: string; method: string; status: number; seconds: number; tenantId?: string }) {
    const labels = { route: o.route, method: o.method, status: String(o.status) };
    this.requests.inc(labels);
    this.latency.observe(labels, o.seconds);
    if (o.tenantId) this.tenantRequests.add(o.tenantId, { status_class: `${Math.floor(o.status / 100)}xx` });
  }

  throttled(o: { resource: string; tenantId: string; degraded: boolean }) {
    this.throttles.inc({ resource: o.resource, mode: o.degraded ? 'process' : 'redis' });
    this.tenantThrottles.add(o.tenantId, { resource: o.resource });
  }
}

/** Per resource, the top N tenants by usage ratio, then `other` carrying the highest of the rest. */
function selectQuotaRows(rows: QuotaGaugeRow[], n: number) {
  const byResource = new Map<string, { tenant: string; resource: string; used: number; ratio: number }[]>();
  for (const r of rows) {
    if (r.limit === null) continue;
    const ratio = r.limit === 0 ? 1 : r.used / r.limit;
    byResource.set(r.resource, [...(byResource.get(r.resource) ?? []), { ...r, ratio }]);
  }
  const out: { tenant: string; resource: string; used: number; ratio: number }[] = [];
  for (const list of byResource.values()) {
    list.sort((a, b) => b.ratio - a.ratio || a.tenant.localeCompare(b.tenant));
    out.push(...list.slice(0, n));
    if (list[n]) out.push({ ...list[n]!, tenant: 'other' });
  }
  return out;
}

/** One read shared by the callers of one scrape: those that ask while it is in flight. */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    if (!inFlight) {
      inFlight = read().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };
}
