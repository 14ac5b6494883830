import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCellSlot, fakeHeartbeat } from './support/cells.ts';
import { startControlPlane, type TestControlPlane, uniqueSlug } from './support/control-plane.ts';

/**
 * Placement only: the cells here heartbeat like real ones but are not running, so every
 * tenant stays `provisioning` (202) in the cell placement chose; that is what we look at.
 */
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => {
  await cp?.stop();
});

async function cell(id: string, region: string, o: { capacity?: number; tenantCount?: number } = {}) {
  const slot = { id, region, credential: await createCellSlot(cp, id, region) };
  const res = await fakeHeartbeat(cp, slot, o);
  expect(res.status).toBe(200);
  return slot;
}

async function place(region: string, tier?: string) {
  const res = await cp.api('POST', '/v1/admin/tenants', {
    slug: uniqueSlug('place'),
    displayName: 'Placement Test',
    region,
    plan: 'standard',
    ...(tier ? { tier } : {}),
    admin: { email: 'someone@placement.example', name: 'Someone' },
  });
  return res;
}

describe('placement', () => {
  it('picks an active cell of the requested region, least loaded first (by share of capacity)', async () => {
    await cell('ll-a', 'll', { capacity: 10, tenantCount: 5 });
    await cell('ll-b', 'll', { capacity: 100, tenantCount: 20 });
    await cell('ll-c', 'other', { capacity: 1000, tenantCount: 0 });
    const res = await place('ll');
    expect(res.status).toBe(202);
    expect(res.body.tenant).toMatchObject({ region: 'll', cellId: 'll-b', status: 'provisioning' });
  });

  it('a full cell gets no tenant; when every cell of the region is full the answer is 503 no_capacity', async () => {
    await cell('cap-a', 'cap', { capacity: 3, tenantCount: 3 });
    const res = await place('cap');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({
      code: 'unavailable',
      details: { reason: 'no_capacity', region: 'cap' },
    });
    expect((await cp.api('GET', '/v1/admin/tenants?region=cap')).body.tenants).toEqual([]);
  });

  it('counts the tenants it placed itself even before the cell reports them', async () => {
    await cell('own-a', 'own', { capacity: 2, tenantCount: 0 });
    expect((await place('own')).body.tenant.cellId).toBe('own-a');
    expect((await place('own')).body.tenant.cellId).toBe('own-a');
    expect((await place('own')).status).toBe(503);
  });

  it('drained cells get no new tenants; undrained they do again', async () => {
    await cell('dr-a', 'dr', { capacity: 100 });
    await cp.api('POST', '/v1/admin/cells/dr-a/drain');
    expect((await place('dr')).status).toBe(503);
    await cp.api('POST', '/v1/admin/cells/dr-a/undrain');
    expect((await place('dr')).body.tenant.cellId).toBe('dr-a');
  });

  it('down cells (missed heartbeats, even before the sweeper runs) and never-registered slots get no tenants', async () => {
    const dn = await cell('dn-a', 'dn', { capacity: 100 });
    await createCellSlot(cp, 'dn-b', 'dn'); // pending: never heartbeated
    cp.clock.advance(cp.deps.heartbeatTimeoutSeconds + 1);
    try {
      expect((await place('dn')).status).toBe(503);
      await fakeHeartbeat(cp, dn, { capacity: 100 });
      expect((await place('dn')).body.tenant.cellId).toBe('dn-a');
    } finally {
      cp.clock.offsetMs = 0;
    }
  });

  it('a dedicated tenant takes an empty cell, and a cell with a dedicated tenant takes no one else', async () => {
    await cell('dd-a', 'dd', { capacity: 100, tenantCount: 1 });
    await cell('dd-b', 'dd', { capacity: 100, tenantCount: 0 });
    const dedicated = await place('dd', 'dedicated');
    expect(dedicated.body.tenant).toMatchObject({ cellId: 'dd-b', tier: 'dedicated' });
    expect((await place('dd', 'dedicated')).status).toBe(503);
    expect((await place('dd')).body.tenant.cellId).toBe('dd-a');
  });

  it('a region no cell was ever opened in is 404 unknown_region; a malformed region is a 400', async () => {
    const nowhere = await place('nowhere');
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error).toMatchObject({ code: 'not_found', details: { reason: 'unknown_region' } });
    const bad = await place('EU-West!');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('concurrent creates never overfill a cell', async () => {
    await cell('cc-a', 'cc', { capacity: 3, tenantCount: 0 });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => place('cc')));
    expect(results.filter((r) => r.status === 202)).toHaveLength(3);
    expect(results.filter((r) => r.status === 503)).toHaveLength(2);
  });
});
