import { PLANS } from '@quire/shared/plans';
import { cellConfigSchema } from '@quire/shared/routing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedCell, startLinkedCell } from './support/cells.ts';
import { EDGE_TOKEN, startControlPlane, type TestControlPlane, uniqueSlug } from './support/control-plane.ts';

let cp: TestControlPlane;
let us1: LinkedCell;
let us2: LinkedCell;
let salesOps: string;
let tenantA: string;
let tenantB: string;

async function createTenant(plan: string) {
  const res = await cp.api('POST', '/v1/admin/tenants', {
    slug: uniqueSlug('cfg'),
    displayName: 'Config Co',
    region: 'us',
    plan,
    admin: { email: 'owner@config-co.example', name: 'Owner' },
  });
  expect(res.status).toBe(201);
  return res.body.tenant.id as string;
}

beforeAll(async () => {
  cp = await startControlPlane();
  us1 = await startLinkedCell(cp, 'us-1', 'us');
  us2 = await startLinkedCell(cp, 'us-2', 'us');
  await us1.heartbeat();
  await cp.api('POST', '/v1/admin/cells/us-2/drain'); // keep us-2 empty until later
  await us2.heartbeat();
  salesOps = (await cp.api('POST', '/v1/admin/ops-tokens', { label: 'desk', role: 'sales-ops' })).body.token;
  tenantA = await createTenant('standard');
  tenantB = await createTenant('enterprise');
});
afterAll(async () => {
  await us1?.stop();
  await us2?.stop();
  await cp?.stop();
});

const config = (cell: LinkedCell, etag?: string) =>
  cp.api('GET', `/v1/cells/${cell.id}/config`, undefined, {
    token: cell.credential,
    headers: etag ? { 'if-none-match': etag } : {},
  });

describe('plans', () => {
  it('are seeded from the shared plan table', async () => {
    const res = await cp.api('GET', '/v1/admin/plans', undefined, { token: salesOps });
    expect(Object.fromEntries(res.body.plans.map((p: any) => [p.id, p.limits]))).toEqual(PLANS);
  });

  it('a platform admin may change a plan; cells get it with their next pull', async () => {
    const limits = { ...PLANS.professional, storageGb: 2_000 };
    const res = await cp.api('PUT', '/v1/admin/plans/professional', { limits });
    expect(res.status).toBe(200);
    await us1.heartbeat();
    expect(us1.deps.config.config?.plans.professional.storageGb).toBe(2_000);
    await cp.api('PUT', '/v1/admin/plans/professional', { limits: PLANS.professional });
  });
});

describe('feature flags: default → plan → tenant', () => {
  it('resolves each tenant’s flags with their source, and sales ops may set tenant values but not define flags', async () => {
    expect(
      (await cp.api('PUT', '/v1/admin/flags/search.semantic', { default: false }, { token: salesOps }))
        .status,
    ).toBe(403);
    const def = await cp.api('PUT', '/v1/admin/flags/search.semantic', {
      description: 'Semantic search',
      default: false,
      plans: { enterprise: true },
    });
    expect(def.status).toBe(200);
    expect(def.body.flag).toEqual({
      key: 'search.semantic',
      description: 'Semantic search',
      default: false,
      plans: { enterprise: true },
    });
    await cp.api('PUT', '/v1/admin/flags/upload.max-parallel', { default: 4 });

    const a = await cp.api('GET', `/v1/admin/tenants/${tenantA}/flags`, undefined, { token: salesOps });
    expect(a.body.flags).toEqual([
      { key: 'search.semantic', value: false, source: 'default' },
      { key: 'upload.max-parallel', value: 4, source: 'default' },
    ]);
    const b = await cp.api('GET', `/v1/admin/tenants/${tenantB}/flags`, undefined, { token: salesOps });
    expect(b.body.flags[0]).toEqual({ key: 'search.semantic', value: true, source: 'plan' });

    const set = await cp.api(
      'PUT',
      `/v1/admin/tenants/${tenantB}/flags`,
      { flags: { 'search.semantic': false, 'upload.max-parallel': 8 } },
      { token: salesOps },
    );
    expect(set.status).toBe(200);
    expect(set.body.flags).toEqual([
      { key: 'search.semantic', value: false, source: 'tenant' },
      { key: 'upload.max-parallel', value: 8, source: 'tenant' },
    ]);
    const cleared = await cp.api(
      'PUT',
      `/v1/admin/tenants/${tenantB}/flags`,
      { flags: { 'search.semantic': null } },
      { token: salesOps },
    );
    expect(cleared.body.flags[0]).toEqual({ key: 'search.semantic', value: true, source: 'plan' });
  });

  it('refuses unknown flags (404) and values of another type than the definition (409; 400 within one body)', async () => {
    // Well-formed requests that the stored definitions refuse: not found, or in conflict with them.
    const unknown = await cp.api('PUT', `/v1/admin/tenants/${tenantA}/flags`, { flags: { 'no.such': true } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.path).toBe('flags.no.such');
    const wrongType = await cp.api('PUT', `/v1/admin/tenants/${tenantA}/flags`, {
      flags: { 'upload.max-parallel': 'lots' },
    });
    expect(wrongType.status).toBe(409);
    expect(wrongType.body.error.details).toMatchObject({
      path: 'flags.upload.max-parallel',
      reason: 'flag_type',
    });
    const wrongPlanType = await cp.api('PUT', '/v1/admin/flags/search.semantic', {
      default: false,
      plans: { standard: 3 },
    });
    expect(wrongPlanType.status).toBe(400);
    expect(
      (await cp.api('PUT', '/v1/admin/tenants/ten_nobody/flags', { flags: { 'no.such': true } })).status,
    ).toBe(404);
  });
});

describe('cell config pull', () => {
  it('carries plans and exactly the tenants homed in that cell, with overrides and effective flags', async () => {
    const res = await config(us1);
    expect(res.status).toBe(200);
    const body = cellConfigSchema.parse(res.body);
    expect(res.headers.get('etag')).toBe(`"${body.version}"`);
    expect(body.plans.standard).toEqual(PLANS.standard);
    const ids = body.tenants.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining([tenantA, tenantB]));
    expect(body.tenants.find((t) => t.id === tenantB)).toEqual({
      id: tenantB,
      status: 'active',
      plan: 'enterprise',
      overrides: {},
      flags: { 'search.semantic': true, 'upload.max-parallel': 8 },
    });
    // A cell sees only its own tenants.
    const other = await config(us2);
    expect(other.body.tenants).toEqual([]);
  });

  it('answers 304 to the current ETag; any change of plan, flag, override or status moves the version', async () => {
    const first = await config(us1);
    const etag = first.headers.get('etag')!;
    expect((await config(us1, etag)).status).toBe(304);
    const changes: (() => Promise<unknown>)[] = [
      () => cp.api('PUT', `/v1/admin/tenants/${tenantA}/flags`, { flags: { 'upload.max-parallel': 2 } }),
      () =>
        cp.api('PUT', `/v1/admin/tenants/${tenantA}/plan`, { plan: 'standard', overrides: { users: 500 } }),
      () => cp.api('POST', `/v1/admin/tenants/${tenantA}/suspend`),
      () => cp.api('PUT', '/v1/admin/flags/upload.max-parallel', { default: 6 }),
    ];
    let last = etag;
    for (const change of changes) {
      await change();
      const res = await config(us1, last);
      expect(res.status).toBe(200);
      expect(Number(res.body.version)).toBeGreaterThan(Number(last.replaceAll('"', '')));
      last = res.headers.get('etag')!;
    }
    await cp.api('POST', `/v1/admin/tenants/${tenantA}/resume`);
    // The real cell converges with one pull: overrides and flags land in its tenant record.
    await us1.heartbeat();
    expect(us1.deps.config.settings(tenantA)).toEqual({
      overrides: { users: 500 },
      flags: { 'search.semantic': false, 'upload.max-parallel': 2 },
    });
  });

  it('needs that cell’s own credential', async () => {
    expect((await cp.api('GET', `/v1/cells/us-1/config`, undefined, { token: us2.credential })).status).toBe(
      401,
    );
    expect((await cp.api('GET', `/v1/cells/us-1/config`, undefined, { token: EDGE_TOKEN })).status).toBe(401);
    expect((await cp.api('GET', `/v1/cells/us-1/config`, undefined, { token: null })).status).toBe(401);
  });
});

describe('strict residency', () => {
  it('is settable after creation, and reaches the edge snapshot with a new version', async () => {
    const before = await cp.api('GET', '/v1/edge/snapshot', undefined, { token: EDGE_TOKEN });
    const res = await cp.api(
      'PATCH',
      `/v1/admin/tenants/${tenantA}`,
      { strictResidency: true },
      { token: salesOps },
    );
    expect(res.status).toBe(200);
    expect(res.body.tenant.strictResidency).toBe(true);
    const after = await cp.api('GET', '/v1/edge/snapshot', undefined, {
      token: EDGE_TOKEN,
      headers: { 'if-none-match': before.headers.get('etag')! },
    });
    expect(after.status).toBe(200);
    expect(after.body.tenants.find((t: any) => t.id === tenantA).strictResidency).toBe(true);
  });

  it('can be asked for at creation', async () => {
    const res = await cp.api('POST', '/v1/admin/tenants', {
      slug: uniqueSlug('strict'),
      displayName: 'Strict AG',
      region: 'us',
      plan: 'standard',
      strictResidency: true,
      admin: { email: 'owner@strict.example', name: 'Owner' },
    });
    expect(res.body.tenant.strictResidency).toBe(true);
  });
});
