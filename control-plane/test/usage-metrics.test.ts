import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedCell, startLinkedCell } from './support/cells.ts';
import { startControlPlane, type TestControlPlane, uniqueSlug } from './support/control-plane.ts';

/**
 * The control plane sees each tenant's usage as numbers its home cell reports in the
 * heartbeat (never content), only from that home cell, and serves Prometheus metrics with
 * its own credential.
 */
const METRICS_TOKEN = 'cp-metrics-token-0123456789abcdef0123456789';
let cp: TestControlPlane;
let us1: LinkedCell;

beforeAll(async () => {
  cp = await startControlPlane({ METRICS_TOKEN, METRICS_TOP_TENANTS: '1' });
  us1 = await startLinkedCell(cp, 'us-1', 'us');
  await us1.heartbeat();
});
afterAll(async () => {
  await us1?.stop();
  await cp?.stop();
});

async function createTenant() {
  const res = await cp.api('POST', '/v1/admin/tenants', {
    slug: uniqueSlug('usage'),
    displayName: 'Usage Co',
    region: 'us',
    plan: 'standard',
    admin: { email: 'owner@usage-co.example', name: 'Owner', password: 'a long enough password' },
  });
  expect(res.status).toBe(201);
  return res.body.tenant.id as string;
}

describe('usage figures from the heartbeat', () => {
  it('are stored per tenant and shown with the tenant; a cell cannot report another cell’s tenant', async () => {
    const tenantId = await createTenant();
    const before = await cp.api('GET', `/v1/admin/tenants/${tenantId}`);
    expect(before.body.usage).toBeNull();
    await us1.heartbeat();
    const after = await cp.api('GET', `/v1/admin/tenants/${tenantId}`);
    expect(after.status).toBe(200);
    expect(after.body.usage).toMatchObject({ storageBytes: 0, documents: 0, users: 1 });
    expect(Object.keys(after.body.usage).sort()).toEqual([
      'documents',
      'reportedAt',
      'storageBytes',
      'users',
    ]);

    // A heartbeat naming a tenant homed elsewhere (or nowhere) changes nothing for it.
    const forged = await cp.api(
      'PUT',
      '/v1/cells/us-1/heartbeat',
      {
        ...us1.link.heartbeat(),
        usage: [{ tenantId: 'ten_not-homed-here', storageBytes: 1, documents: 1, users: 1 }],
      },
      { token: us1.credential },
    );
    expect(forged.status).toBe(200);
    const strict = await cp.api(
      'PUT',
      '/v1/cells/us-1/heartbeat',
      { ...us1.link.heartbeat(), usage: [{ tenantId, storageBytes: 1, documents: 1, users: 1, title: 'x' }] },
      { token: us1.credential },
    );
    expect(strict.status).toBe(400); // figures only: any other field is refused
    // A tenant named twice: the last figures count (never a 500).
    const twice = await cp.api(
      'PUT',
      '/v1/cells/us-1/heartbeat',
      {
        ...us1.link.heartbeat(),
        usage: [
          { tenantId, storageBytes: 5, documents: 5, users: 5 },
          { tenantId, storageBytes: 7, documents: 2, users: 1 },
        ],
      },
      { token: us1.credential },
    );
    expect(twice.status).toBe(200);
    expect((await cp.api('GET', `/v1/admin/tenants/${tenantId}`)).body.usage).toMatchObject({
      storageBytes: 7,
      documents: 2,
      users: 1,
    });
  });
});

describe('GET /internal/metrics', () => {
  it('needs METRICS_TOKEN and shows route templates, cells and reported usage', async () => {
    await createTenant();
    await us1.heartbeat();
    expect((await fetch(`${cp.url}/internal/metrics`)).status).toBe(401);
    const res = await fetch(`${cp.url}/internal/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /quire_http_requests_total\{route="\/v1\/cells\/:cellId\/heartbeat",method="PUT",status="200",service="control-plane"\} \d+/,
    );
    expect(text).toMatch(/quire_cell_up\{cell_id="us-1",service="control-plane"\} 1/);
    const tenants = [...text.matchAll(/quire_tenant_reported_usage\{tenant="([^"]+)",resource="users"/g)].map(
      (m) => m[1],
    );
    expect(tenants).toHaveLength(2); // top 1 + other
    expect(tenants).toContain('other');
  });
});
