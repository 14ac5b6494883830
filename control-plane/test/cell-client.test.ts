import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellCallError, HttpCellClient } from '../src/cell-api/client.ts';
import { createCellSlot, fakeHeartbeat } from './support/cells.ts';
import { startControlPlane, type TestControlPlane, uniqueSlug } from './support/control-plane.ts';

/**
 * The cells' internal API is one contract (shared/src/internal-api.ts): the control plane parses
 * every reply with it. A cell that answers 200 with something else (an incompatible version, a
 * proxy's page) is refused as a non-retryable CellCallError, never cast and trusted. The "cell"
 * here is a stand-in HTTP server, since a real cell cannot be made to answer off-contract.
 */
/** Well formed (the contract checks the shape), and a secret no log or error may show. */
const INVITATION = `ten_acme.${'MustNeverBeLogged-'.padEnd(43, 'x')}`;
let reply: { status: number; body: string } = { status: 200, body: '{}' };
let fakeCell: ReturnType<typeof serve>;
let baseUrl: string;

beforeAll(async () => {
  const app = new Hono();
  app.all('/internal/v1/tenants/:id', (c) =>
    c.body(reply.body, reply.status as 200, { 'content-type': 'application/json' }),
  );
  fakeCell = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => fakeCell.once('listening', () => resolve()));
  baseUrl = `http://127.0.0.1:${(fakeCell.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => fakeCell.close(() => resolve()));
});

const tenant = { id: 'ten_acme', slug: 'acme', status: 'active', plan: 'standard', tier: 'pooled' };
const wellFormed = { tenant, adminUserId: 'usr_1', invitationToken: INVITATION };
const provisionBody = {
  slug: 'acme',
  plan: 'standard',
  tier: 'pooled',
  admin: { sealed: 'x'.repeat(40) },
} as const;

async function refusal(call: () => Promise<unknown>): Promise<CellCallError> {
  const err = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CellCallError);
  return err as CellCallError;
}

describe('the control plane client of the cells internal API', () => {
  const client = new HttpCellClient(5_000);
  const target = () => ({ id: 'fake-1', baseUrl, credential: 'cred' });

  it('takes a reply that matches the contract', async () => {
    reply = { status: 200, body: JSON.stringify(wellFormed) };
    await expect(client.provisionTenant(target(), 'ten_acme', provisionBody)).resolves.toEqual(wellFormed);
    reply = { status: 200, body: JSON.stringify({ ...tenant, status: 'suspended' }) };
    await expect(client.updateTenant(target(), 'ten_acme', { status: 'suspended' })).resolves.toMatchObject({
      status: 'suspended',
    });
  });

  it('refuses a malformed provision reply for good, naming the fields and never the invitation', async () => {
    reply = {
      status: 200,
      body: JSON.stringify({ tenant: { ...tenant, status: 'gone', plan: 7 }, invitationToken: INVITATION }),
    };
    const err = await refusal(() => client.provisionTenant(target(), 'ten_acme', provisionBody));
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(200);
    expect(err.message).toContain('cell fake-1 answered the provision call with a reply that does not match');
    expect(err.message).toMatch(/tenant\.status/);
    expect(err.message).toMatch(/tenant\.plan/);
    expect(err.message).toMatch(/adminUserId/);
    expect(err.message).not.toContain(INVITATION);
  });

  it('refuses a non-JSON 200, a reply about another tenant, and a malformed update reply', async () => {
    reply = { status: 200, body: '<html>a proxy page</html>' };
    expect(
      (await refusal(() => client.provisionTenant(target(), 'ten_acme', provisionBody))).message,
    ).toContain('non-JSON');
    reply = { status: 200, body: JSON.stringify({ ...wellFormed, tenant: { ...tenant, id: 'ten_other' } }) };
    const other = await refusal(() => client.provisionTenant(target(), 'ten_acme', provisionBody));
    expect(other.retryable).toBe(false);
    expect(other.message).toContain('tenant ten_other');
    reply = { status: 200, body: JSON.stringify({ ok: true }) };
    const update = await refusal(() => client.updateTenant(target(), 'ten_acme', { plan: 'enterprise' }));
    expect(update.retryable).toBe(false);
    expect(update.message).toContain('update call');
  });
});

describe('a malformed cell reply during provisioning', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('fails the job (not retried), records why without the reply, and leaves the tenant unrouted', async () => {
    const slot = { id: 'mal-1', region: 'mal', credential: await createCellSlot(cp, 'mal-1', 'mal') };
    expect((await fakeHeartbeat(cp, slot, { baseUrl, capacity: 10 })).status).toBe(200);
    reply = {
      status: 200,
      body: JSON.stringify({
        tenant: { ...tenant, tier: 'platinum' },
        adminUserId: 'usr_1',
        invitationToken: INVITATION,
      }),
    };
    const slug = uniqueSlug('mal');
    const res = await cp.api('POST', '/v1/admin/tenants', {
      slug,
      displayName: 'Malformed Reply',
      region: 'mal',
      plan: 'standard',
      admin: { email: 'it@malformed.example', name: 'IT' },
    });
    expect(res.status).toBe(202);
    expect(res.body.invitationToken).toBeNull();
    expect(res.body.tenant.status).toBe('provisioning');
    expect(res.body.job).toMatchObject({ step: 'failed', attempts: 1, nextAttemptAt: null });
    expect(res.body.job.lastError).toContain('does not match the internal API contract');
    expect(res.body.job.lastError).toContain('tenant.tier');
    expect(res.body.job.lastError).not.toContain(INVITATION);
    expect(cp.logs.join('\n')).not.toContain(INVITATION);
    const snapshot = await cp.api('GET', '/v1/edge/snapshot', undefined, { token: cp.env.EDGE_TOKEN });
    expect(snapshot.body.tenants.map((t: { slug: string }) => t.slug)).not.toContain(slug);
  });
});
