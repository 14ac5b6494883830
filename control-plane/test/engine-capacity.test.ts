import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv as parseCellEnv } from '../../cell/src/env.ts';
import { createCellSlot, fakeHeartbeat, type LinkedCell, startLinkedCell } from './support/cells.ts';
import { startControlPlane, type TestControlPlane, uniqueSlug } from './support/control-plane.ts';

/**
 * Search-engine capacity in placement: Postgres full-text search serves tenants up to a size
 * (default 100,000 documents), OpenSearch has no such limit. Cells report theirs in the
 * heartbeat; the control plane places a tenant (and lets its plan grow) only onto a cell whose
 * engine serves the plan's documents quota. Real cells here, except where only placement matters.
 */
let cp: TestControlPlane;
const started: LinkedCell[] = [];
const opensearchUrl = process.env.QUIRE_OPENSEARCH_URL!;

async function linked(id: string, region: string, o: Parameters<typeof startLinkedCell>[3] = {}) {
  const cell = await startLinkedCell(cp, id, region, o);
  started.push(cell);
  await cell.heartbeat();
  return cell;
}

/** A real Postgres cell with the engine's default limit (no SEARCH_MAX_TENANT_DOCUMENTS). */
const postgresCell = (id: string, region: string) => linked(id, region, { maxTenantDocuments: null });
/** A real OpenSearch cell on the local stack's node, with the engine's default (no limit). */
const opensearchCell = (id: string, region: string) =>
  linked(id, region, {
    maxTenantDocuments: null,
    env: { SEARCH_ENGINE: 'opensearch', OPENSEARCH_URL: opensearchUrl, OPENSEARCH_REPLICAS: '0' },
  });

function create(region: string, plan: 'standard' | 'professional' | 'enterprise') {
  return cp.api('POST', '/v1/admin/tenants', {
    slug: uniqueSlug(`cap-${plan.slice(0, 3)}`),
    displayName: 'Capacity Test',
    region,
    plan,
    admin: { email: 'it@capacity.example', name: 'IT', password: 'a long enough password' },
  });
}

async function cellPlan(cell: LinkedCell, tenantId: string) {
  const res = await fetch(`${cell.baseUrl}/internal/v1/tenants/${tenantId}`, {
    headers: { authorization: `Bearer ${cell.credential}` },
  });
  return ((await res.json()) as { plan: string }).plan;
}

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => {
  for (const cell of started) await cell.stop();
  await cp?.stop();
  for (const cell of started)
    await fetch(`${opensearchUrl}/quire-${cell.id}-*?ignore_unavailable=true`, { method: 'DELETE' }).catch(
      () => {},
    );
});

describe('a cell tells the control plane what its search engine serves', () => {
  const base = {
    CELL_ID: 'env-1',
    CELL_REGION: 'env',
    DATABASE_URL: 'postgres://a:b@127.0.0.1:1/x',
    REDIS_URL: 'redis://127.0.0.1:1',
    BLOB_DIR: '/tmp/x',
    KEYRING_DIR: '/tmp/x',
    JWT_ISSUER: 'https://env-1.cells.test',
    SIGNING_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'quire-env-')), 'keys.json'),
    INTERNAL_API_TOKEN: 'x'.repeat(32),
  };

  it('SEARCH_MAX_TENANT_DOCUMENTS defaults per engine; `unlimited` is no limit; nonsense stops the boot', () => {
    expect(parseCellEnv(base).SEARCH_MAX_TENANT_DOCUMENTS).toBe(100_000);
    const os = { ...base, SEARCH_ENGINE: 'opensearch', OPENSEARCH_URL: 'http://127.0.0.1:9200' };
    expect(parseCellEnv(os).SEARCH_MAX_TENANT_DOCUMENTS).toBeNull();
    expect(parseCellEnv({ ...base, SEARCH_MAX_TENANT_DOCUMENTS: '250000' }).SEARCH_MAX_TENANT_DOCUMENTS).toBe(
      250_000,
    );
    expect(
      parseCellEnv({ ...base, SEARCH_MAX_TENANT_DOCUMENTS: 'unlimited' }).SEARCH_MAX_TENANT_DOCUMENTS,
    ).toBeNull();
    expect(parseCellEnv({ ...os, SEARCH_MAX_TENANT_DOCUMENTS: '5000000' }).SEARCH_MAX_TENANT_DOCUMENTS).toBe(
      5_000_000,
    );
    for (const bad of ['0', 'lots', '-5'])
      expect(() => parseCellEnv({ ...base, SEARCH_MAX_TENANT_DOCUMENTS: bad })).toThrow(
        /SEARCH_MAX_TENANT_DOCUMENTS/,
      );
  });

  it('real cells report engine and limit; an older heartbeat without them is accepted and taken as Postgres', async () => {
    await postgresCell('hb-pg', 'hb');
    await opensearchCell('hb-os', 'hb');
    const older = { id: 'hb-old', region: 'hb', credential: await createCellSlot(cp, 'hb-old', 'hb') };
    expect((await fakeHeartbeat(cp, older)).status).toBe(200);
    const cells = Object.fromEntries(
      ((await cp.api('GET', '/v1/admin/cells')).body.cells as { id: string; search: unknown }[]).map((c) => [
        c.id,
        c.search,
      ]),
    );
    expect(cells['hb-pg']).toEqual({ engine: 'postgres', maxTenantDocuments: 100_000, reported: true });
    expect(cells['hb-os']).toEqual({ engine: 'opensearch', maxTenantDocuments: null, reported: true });
    expect(cells['hb-old']).toEqual({ engine: 'postgres', maxTenantDocuments: 100_000, reported: false });
  });

  it('a heartbeat with a malformed search report is refused (400), and the cell keeps what it had', async () => {
    const slot = { id: 'hb-bad', region: 'hb', credential: await createCellSlot(cp, 'hb-bad', 'hb') };
    const ok = await fakeHeartbeat(cp, slot, { search: { engine: 'opensearch', maxTenantDocuments: null } });
    expect(ok.status).toBe(200);
    const bad = await fakeHeartbeat(cp, slot, {
      search: { engine: 'lucene' as 'opensearch', maxTenantDocuments: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await cp.api('GET', '/v1/admin/cells/hb-bad')).body.cell.search.engine).toBe('opensearch');
  });
});

describe('placement sends a tenant only to a cell whose engine serves its plan', () => {
  it('large plans go to the OpenSearch cell, a standard one to the least loaded of either', async () => {
    const pg = await postgresCell('pl-pg', 'pl');
    const os = await opensearchCell('pl-os', 'pl');
    const enterprise = await create('pl', 'enterprise');
    expect(enterprise.status).toBe(201);
    expect(enterprise.body.tenant).toMatchObject({ cellId: 'pl-os', status: 'active', plan: 'enterprise' });
    expect(await cellPlan(os, enterprise.body.tenant.id)).toBe('enterprise');
    const professional = await create('pl', 'professional');
    expect(professional.body.tenant.cellId).toBe('pl-os');
    const standard = await create('pl', 'standard');
    expect(standard.status).toBe(201);
    expect(standard.body.tenant.cellId).toBe('pl-pg');
    expect(await cellPlan(pg, standard.body.tenant.id)).toBe('standard');
  });

  it('a region of Postgres cells only: a professional tenant is refused (409), nothing is recorded', async () => {
    await postgresCell('po-pg', 'po');
    const res = await create('po', 'professional');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      requestId: res.headers.get('x-request-id'),
      details: {
        reason: 'search_engine_capacity',
        region: 'po',
        documents: 1_000_000,
        capableCellIds: [],
      },
    });
    expect(res.body.error.message).toContain('add an OpenSearch cell');
    expect((await cp.api('GET', '/v1/admin/tenants?region=po')).body.tenants).toEqual([]);
    expect((await create('po', 'standard')).status).toBe(201);
  });

  it('room only on cells whose engine is too small: 409 naming the capable cells (drained, full)', async () => {
    const slot = async (id: string) => ({ id, region: 'pf', credential: await createCellSlot(cp, id, 'pf') });
    const small = await slot('pf-pg');
    const drained = await slot('pf-os1');
    const full = await slot('pf-os2');
    await fakeHeartbeat(cp, small, {
      capacity: 50,
      search: { engine: 'postgres', maxTenantDocuments: 100_000 },
    });
    await fakeHeartbeat(cp, drained, {
      capacity: 50,
      search: { engine: 'opensearch', maxTenantDocuments: null },
    });
    await fakeHeartbeat(cp, full, {
      capacity: 3,
      tenantCount: 3,
      search: { engine: 'opensearch', maxTenantDocuments: 5_000_000 },
    });
    await cp.api('POST', '/v1/admin/cells/pf-os1/drain');
    const res = await create('pf', 'enterprise');
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({
      reason: 'search_engine_capacity',
      documents: 100_000_000,
      capableCellIds: ['pf-os1'],
    });
    const professional = await create('pf', 'professional');
    expect(professional.body.error.details.capableCellIds).toEqual(['pf-os1', 'pf-os2']);
    // Once a capable cell has room again, placement takes it.
    await cp.api('POST', '/v1/admin/cells/pf-os1/undrain');
    expect((await create('pf', 'enterprise')).body.tenant.cellId).toBe('pf-os1');
  });

  it('no room anywhere is still 503 no_capacity', async () => {
    const cell = { id: 'pn-os', region: 'pn', credential: await createCellSlot(cp, 'pn-os', 'pn') };
    await fakeHeartbeat(cp, cell, {
      capacity: 1,
      tenantCount: 1,
      search: { engine: 'opensearch', maxTenantDocuments: null },
    });
    const res = await create('pn', 'enterprise');
    expect(res.status).toBe(503);
    expect(res.body.error.details.reason).toBe('no_capacity');
  });
});

describe("a plan change must fit the home cell's engine", () => {
  let pg: LinkedCell;
  let tenantId: string;
  beforeAll(async () => {
    pg = await postgresCell('pc-pg', 'pc');
    await opensearchCell('pc-os', 'pc');
    await cp.api('POST', '/v1/admin/cells/pc-os/drain');
    const res = await create('pc', 'standard');
    expect(res.body.tenant.cellId).toBe('pc-pg');
    tenantId = res.body.tenant.id;
  });

  it('raising the documents quota past the engine is refused (409); tenant and cell keep the old plan', async () => {
    const res = await cp.api('PUT', `/v1/admin/tenants/${tenantId}/plan`, { plan: 'professional' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      requestId: res.headers.get('x-request-id'),
      details: {
        reason: 'search_engine_capacity',
        region: 'pc',
        cellId: 'pc-pg',
        engine: 'postgres',
        maxTenantDocuments: 100_000,
        documents: 1_000_000,
        capableCellIds: ['pc-os'],
      },
    });
    expect(res.body.error.message).toContain(
      'cell pc-pg (postgres search) serves tenants up to 100,000 documents',
    );
    expect((await cp.api('GET', `/v1/admin/tenants/${tenantId}`)).body.tenant.plan).toBe('standard');
    expect(await cellPlan(pg, tenantId)).toBe('standard');
    const unlimited = await cp.api('PUT', `/v1/admin/tenants/${tenantId}/plan`, {
      plan: 'standard',
      overrides: { documents: null },
    });
    expect(unlimited.status).toBe(409);
    expect(unlimited.body.error.details.documents).toBeNull();
  });

  it('a per-tenant override that keeps the quota within the engine lets the plan change through', async () => {
    const res = await cp.api('PUT', `/v1/admin/tenants/${tenantId}/plan`, {
      plan: 'professional',
      overrides: { documents: 100_000 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ changed: true, push: { pushed: true, error: null } });
    expect(await cellPlan(pg, tenantId)).toBe('professional');
    const limits = (await cp.api('GET', `/v1/admin/tenants/${tenantId}`)).body.limits;
    expect(limits).toMatchObject({ documents: 100_000, users: 1_000 });
  });

  it('a cell redeployed with a smaller engine: its tenant may move down, never up', async () => {
    const first = await linked('pr-pg', 'pr', { maxTenantDocuments: 'unlimited' });
    const res = await create('pr', 'enterprise');
    expect(res.body.tenant.cellId).toBe('pr-pg');
    const id = res.body.tenant.id;
    await first.stop();
    started.splice(started.indexOf(first), 1);
    await linked('pr-pg', 'pr', { credential: first.credential, dir: first.dir, maxTenantDocuments: null });
    const down = await cp.api('PUT', `/v1/admin/tenants/${id}/plan`, { plan: 'professional' });
    expect(down.status).toBe(200);
    const up = await cp.api('PUT', `/v1/admin/tenants/${id}/plan`, { plan: 'enterprise' });
    expect(up.status).toBe(409);
    expect(up.body.error.details).toMatchObject({ cellId: 'pr-pg', maxTenantDocuments: 100_000 });
  });
});

describe('the OpenAPI document', () => {
  it('declares the capacity refusals, the heartbeat field and what /v1/admin/cells shows', async () => {
    const doc = (await cp.api('GET', '/v1/openapi.json', undefined, { token: null })).body;
    const create = doc.paths['/v1/admin/tenants'].post.responses;
    expect(Object.keys(create).sort()).toEqual([
      '200',
      '201',
      '202',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '503',
    ]);
    expect(create['409'].description).toContain('search_engine_capacity');
    expect(create['503'].description).toContain('no_capacity');
    const plan = doc.paths['/v1/admin/tenants/{idOrSlug}/plan'].put.responses;
    expect(Object.keys(plan).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '503']);
    expect(plan['409'].description).toContain('search_engine_capacity');
    const heartbeat = doc.paths['/v1/cells/{cellId}/heartbeat'].put;
    const body = heartbeat.requestBody.content['application/json'].schema;
    expect(body.properties.search.properties.engine.enum).toEqual(['postgres', 'opensearch']);
    expect(body.required).not.toContain('search');
    expect(JSON.stringify(doc.components.schemas.Cell.properties.search)).toContain('maxTenantDocuments');
  });
});
