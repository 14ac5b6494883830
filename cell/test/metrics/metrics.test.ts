import { signEdgeAssertion } from '@quire/shared/edge-assertion';
import { newId } from '@quire/shared/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { TopTenants } from '../../src/metrics/top-tenants.ts';
import { Overrides } from '../quotas/support.ts';

/**
 * The cell's Prometheus endpoint: protected like the internal API, route templates (never
 * paths) with status, quota usage, throttles, the search backlog, search latency per engine,
 * and the cross-tenant attempts counter, with tenant labels bounded to the top N + other.
 */
const SECRET = 'edge-assertion-secret-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';
let cell: TestCell;

beforeAll(async () => {
  cell = await startTestCell('us-1', undefined, {
    EDGE_ASSERTION_SECRET: SECRET,
    METRICS_TOKEN,
    METRICS_TOP_TENANTS: '2',
  });
});
afterAll(async () => {
  await cell?.close();
});

async function scrape(): Promise<string> {
  const res = await cell.app.request('/internal/metrics', {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

describe('GET /internal/metrics', () => {
  it('answers only the metrics credential', async () => {
    const { admin } = await buildTenant(cell);
    expect((await cell.app.request('/internal/metrics')).status).toBe(401);
    expect((await cell.app.request('/internal/metrics', { headers: admin.headers })).status).toBe(401);
    const internal = await cell.app.request('/internal/metrics', {
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}` },
    });
    expect(internal.status).toBe(401); // METRICS_TOKEN is set: the control plane's credential is not it
  });

  it('counts requests per route template and status, with latency histograms and no ids in routes', async () => {
    const { admin } = await buildTenant(cell);
    const doc = await uploadDoc(cell, admin, 'metrics');
    await call(cell, admin, 'GET', `/v1/documents/${doc.body.document.id}`);
    await call(cell, admin, 'GET', `/v1/documents/${newId('document')}`);
    await call(cell, admin, 'POST', '/v1/search', { q: 'metrics' });
    const text = await scrape();
    expect(text).toMatch(
      /quire_http_requests_total\{route="\/v1\/documents\/:id",method="GET",status="200",cell="us-1"\} \d+/,
    );
    expect(text).toMatch(
      /quire_http_requests_total\{route="\/v1\/documents\/:id",method="GET",status="404",cell="us-1"\} \d+/,
    );
    expect(text).toMatch(
      /quire_http_request_duration_seconds_bucket\{le="0\.2",cell="us-1",route="\/v1\/documents",method="POST",status="201"\} \d+/,
    );
    expect(text).not.toContain(doc.body.document.id);
    expect(text).toMatch(/quire_search_duration_seconds_count\{cell="us-1",engine="postgres"\} [1-9]/);
    expect(text).toMatch(/quire_job_queue_depth\{queue="search",cell="us-1"\} \d+/);
    expect(text).toMatch(/quire_job_oldest_wait_seconds\{queue="search",cell="us-1"\} [\d.e-]+/);
  });

  it('shows quota usage per tenant (top N by ratio, then other) and throttles', async () => {
    const overrides = new Overrides(cell);
    const full = await buildTenant(cell);
    for (let i = 0; i < 3; i++) await buildTenant(cell);
    await overrides.set(full.tenantId, { documents: 2, apiCallsPerMinute: 5 });
    await uploadDoc(cell, full.admin, 'one');
    await uploadDoc(cell, full.admin, 'two');
    for (let i = 0; i < 8; i++) await call(cell, full.admin, 'GET', '/v1/me');
    const text = await scrape();
    expect(text).toContain(
      `quire_quota_usage_ratio{tenant="${full.tenantId}",resource="documents",cell="us-1"} 1`,
    );
    expect(text).toContain(`quire_quota_used{tenant="${full.tenantId}",resource="documents",cell="us-1"} 2`);
    // Many tenants exist by now: two have labels of their own per resource, the rest are "other".
    const documentsTenants = [
      ...text.matchAll(/quire_quota_usage_ratio\{tenant="([^"]+)",resource="documents"/g),
    ].map((m) => m[1]);
    expect(documentsTenants).toHaveLength(3);
    expect(documentsTenants).toContain('other');
    expect(text).toMatch(
      /quire_rate_limit_throttled_total\{resource="apiCallsPerMinute",mode="redis",cell="us-1"\} [1-9]/,
    );
    const tenantLabels = new Set(
      [...text.matchAll(/quire_tenant_requests\{tenant="([^"]+)"/g)].map((m) => m[1]),
    );
    expect(tenantLabels.size).toBeLessThanOrEqual(3);
  });

  it('counts cross-tenant attempts, starting from zero', async () => {
    const before = await scrape();
    expect(before).toMatch(/quire_cross_tenant_attempts_total\{kind="tenant_mismatch",cell="us-1"\} 0/);
    expect(before).toMatch(/quire_cross_tenant_attempts_total\{kind="rls_violation",cell="us-1"\} 0/);
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const path = '/v1/folders/root/children';
    const requestId = `req${Math.random().toString(36).slice(2, 14)}`;
    const res = await cell.app.request(path, {
      headers: {
        ...a.admin.headers,
        'x-request-id': requestId,
        'x-quire-tenant': b.tenantId,
        'x-quire-edge-assertion': await signEdgeAssertion(SECRET, {
          requestId,
          tenantId: b.tenantId,
          method: 'GET',
          path,
        }),
      },
    });
    expect(res.status).toBe(403);
    expect(await scrape()).toMatch(
      /quire_cross_tenant_attempts_total\{kind="tenant_mismatch",cell="us-1"\} 1/,
    );
  });
});

describe('TopTenants', () => {
  it('keeps N tenants by count and sums the rest as other', () => {
    const top = new TopTenants(2);
    for (const [t, n] of [
      ['ten_a', 5],
      ['ten_b', 9],
      ['ten_c', 1],
      ['ten_d', 2],
    ] as const)
      top.add(t, { status_class: '2xx' }, n);
    const rows = top.rows().map((r) => [r.tenant, r.value]);
    expect(rows.sort()).toEqual([
      ['other', 3],
      ['ten_a', 5],
      ['ten_b', 9],
    ]);
  });
});
