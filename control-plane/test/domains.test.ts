import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LinkedCell, startLinkedCell } from './support/cells.ts';
import {
  dumpDatabase,
  EDGE_TOKEN,
  startControlPlane,
  type TestControlPlane,
  uniqueSlug,
} from './support/control-plane.ts';

/**
 * Company domains for tenant discovery: claimed by sales ops for a tenant, proved by a DNS TXT
 * record (the resolver is the one boundary stubbed: no real DNS here), answered to the edge
 * only once verified. The control plane stores domains, never an email.
 */
let cp: TestControlPlane;
let eu1: LinkedCell;
const txt = new Map<string, string[][]>();
const admins: string[] = [];

/** A real tenant, provisioned through the admin API into a real (linked) cell. */
async function tenant() {
  const slug = uniqueSlug('dom');
  const admin = { email: `it-admin@${slug}.example`, name: 'IT Admin', password: 'a long enough password' };
  admins.push(admin.email);
  const res = await cp.api('POST', '/v1/admin/tenants', {
    slug,
    displayName: `Tenant ${slug}`,
    region: 'eu',
    plan: 'standard',
    admin,
  });
  if (res.status !== 201) throw new Error(`provision: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.tenant.id as string, slug };
}

const discover = (domain: string, token = EDGE_TOKEN) =>
  cp.api('POST', '/v1/edge/discover', { domain }, { token });

beforeAll(async () => {
  cp = await startControlPlane();
  cp.deps.dns = { resolveTxt: async (name: string) => txt.get(name) ?? [] };
  eu1 = await startLinkedCell(cp, 'eu-1', 'eu');
  await eu1.heartbeat();
});
afterAll(async () => {
  await eu1?.stop();
  await cp?.stop();
});

describe('domain verification', () => {
  it('claim → publish the TXT record → verify → the edge can discover the tenant', async () => {
    const t = await tenant();
    const claimed = await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains`, {
      domain: 'Acme-Corp.example',
    });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ domain: 'acme-corp.example', verified: false });
    expect(claimed.body.txtRecord.name).toBe('_quire-verification.acme-corp.example');
    // Not verified yet: discovery does not answer.
    expect((await discover('acme-corp.example')).status).toBe(404);
    const unproved = await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains/verify`, {
      domain: 'acme-corp.example',
    });
    expect(unproved.body.verified).toBe(false);
    txt.set(claimed.body.txtRecord.name, [['unrelated'], [claimed.body.txtRecord.value]]);
    const proved = await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains/verify`, {
      domain: 'acme-corp.example',
    });
    expect(proved.body.verified).toBe(true);
    const found = await discover('ACME-corp.example');
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ tenant: { id: t.id, slug: t.slug, region: 'eu', strictResidency: false } });
    // Only the edge asks.
    expect((await discover('acme-corp.example', 'not-the-edge-token-0123456789')).status).toBe(401);
    const listed = await cp.api('GET', `/v1/admin/tenants/${t.slug}/domains`);
    expect(listed.body.items).toHaveLength(1);
    // Removed: discovery stops answering.
    expect(
      (await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains/remove`, { domain: 'acme-corp.example' }))
        .status,
    ).toBe(204);
    expect((await discover('acme-corp.example')).status).toBe(404);
  });

  it('a domain verified by one tenant cannot be claimed by another; a merely claimed one can', async () => {
    const a = await tenant();
    const b = await tenant();
    const claim = (t: { slug: string }, domain: string) =>
      cp.api('POST', `/v1/admin/tenants/${t.slug}/domains`, { domain });
    const first = await claim(a, 'contested.example');
    await claim(b, 'contested.example'); // b claims it too (a has not proved it)
    // a's old token no longer proves anything; b's does.
    txt.set('_quire-verification.contested.example', [[first.body.txtRecord.value]]);
    const aVerify = await cp.api('POST', `/v1/admin/tenants/${a.slug}/domains/verify`, {
      domain: 'contested.example',
    });
    expect(aVerify.status).toBe(404);
    const bClaim = await claim(b, 'contested.example');
    txt.set('_quire-verification.contested.example', [[bClaim.body.txtRecord.value]]);
    const bVerify = await cp.api('POST', `/v1/admin/tenants/${b.slug}/domains/verify`, {
      domain: 'contested.example',
    });
    expect(bVerify.body.verified).toBe(true);
    const late = await claim(a, 'contested.example');
    expect(late.status).toBe(409);
    expect((await discover('contested.example')).body.tenant.id).toBe(b.id);
  });

  it('refuses public mailbox providers and things that are not domains', async () => {
    const t = await tenant();
    for (const domain of ['gmail.com', 'Outlook.com', 'localhost', 'not a domain', '-bad-.example']) {
      const res = await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains`, { domain });
      expect(res.status, domain).toBe(400);
    }
  });

  it('holds domains only: no email anywhere in its database or logs after discovery', async () => {
    const t = await tenant();
    const claimed = await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains`, {
      domain: 'private-co.example',
    });
    txt.set(claimed.body.txtRecord.name, [[claimed.body.txtRecord.value]]);
    await cp.api('POST', `/v1/admin/tenants/${t.slug}/domains/verify`, { domain: 'private-co.example' });
    expect((await discover('private-co.example')).status).toBe(200);
    const dump = await dumpDatabase(cp.db.ownerUrl);
    expect(dump).toContain('private-co.example');
    expect(dump).not.toMatch(/[a-z0-9._-]+@private-co\.example/);
    for (const email of admins) {
      expect(dump).not.toContain(email);
      expect(cp.logs.join('\n')).not.toContain(email);
    }
  });
});
