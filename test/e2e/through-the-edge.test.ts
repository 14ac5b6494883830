import { createHmac } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../infra/local/topology.ts';
import { rawRequest } from '../support/allow.ts';
import { cellSigningKey, startWorld, untilRouted, type World } from '../support/topology.ts';

/**
 * The product as users reach it: one hostname, the edge in workerd, the control plane and
 * two cells as real processes. Tenants land in their region; forged or misplaced tokens are
 * refused at the edge and again at the cell; outages stay contained.
 */
let world: World;
let us: { tenantId: string; email: string; password: string };
let eu: { tenantId: string; email: string; password: string };
let strict: { tenantId: string; email: string; password: string };

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

beforeAll(async () => {
  world = await startWorld({ name: 'e2e', redisDbs: [8, 9] });
  us = await world.provision({ slug: 'acme-us', region: 'us' });
  eu = await world.provision({ slug: 'acme-eu', region: 'eu' });
  strict = await world.provision({ slug: 'strict-eu', region: 'eu', strictResidency: true });
  for (const slug of ['acme-us', 'acme-eu', 'strict-eu']) await untilRouted(world, slug);
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('one hostname, two regions', () => {
  it('an EU user logging in on the one hostname lands in eu-1, a US user in us-1', async () => {
    const login = await world.edge.fetch('http://acme-eu.quire.test/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: eu.email, password: eu.password }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('x-quire-cell')).toBe('eu-1');
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    // With a token, the bare hostname is enough: the tenant comes from the token.
    const me = await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(token) });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-quire-cell')).toBe('eu-1');
    expect(await me.json()).toMatchObject({ tenantId: eu.tenantId, cell: 'eu-1' });

    const usToken = await world.login('acme-us', us.email, us.password);
    const usMe = await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(usToken) });
    expect(usMe.headers.get('x-quire-cell')).toBe('us-1');
  });

  it("a token of tenant A on tenant B's subdomain is refused", async () => {
    const usToken = await world.login('acme-us', us.email, us.password);
    const res = await world.edge.fetch('http://acme-eu.quire.test/v1/folders', { headers: bearer(usToken) });
    expect([401, 403]).toContain(res.status);
    expect(((await res.json()) as any).error.code).toBe('tenant_mismatch');
  });

  it('a strict-residency tenant is redirected from the global hostname to its region, before any body is read', async () => {
    const res = await world.edge.fetch('http://strict-eu.quire.test/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: strict.email, password: strict.password }),
      redirect: 'manual',
    });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('http://strict-eu.eu.quire.test/v1/auth/login');
    const token = await world.login('strict-eu', strict.email, strict.password, 'eu.quire.test');
    const me = await world.edge.fetch('http://eu.quire.test/v1/me', { headers: bearer(token) });
    expect(me.status).toBe(200);
    expect(me.headers.get('x-quire-cell')).toBe('eu-1');
  });

  it('an unknown tenant is a 404 in the shared error shape', async () => {
    const res = await world.edge.fetch('http://nobody-here.quire.test/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('tenant_not_found');
  });
});

describe('a method a path does not serve, through the edge', () => {
  it('is 405 with the Allow of the cell: forwarded methods by the cell itself, TRACE by the edge before any token is read', async () => {
    const token = await world.login('acme-us', us.email, us.password);
    const patch = await world.edge.fetch('http://quire.test/v1/me', {
      method: 'PATCH',
      headers: bearer(token),
    });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(((await patch.json()) as any).error.code).toBe('method_not_allowed');
    const options = await world.edge.fetch('http://quire.test/v1/me', {
      method: 'OPTIONS',
      headers: bearer(token),
    });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    // fetch cannot send TRACE (nor could the edge forward it): a raw request, with and without a token.
    for (const headers of [{ host: 'quire.test', ...bearer(token) }, { host: 'quire.test' }]) {
      const trace = await rawRequest(world.edge.url, '/v1/auth/login', 'TRACE', headers);
      expect(trace).toMatchObject({ status: 405, allow: 'OPTIONS, POST', code: 'method_not_allowed' });
    }
    const unknown = await rawRequest(world.edge.url, '/v1/no-such-thing', 'TRACE', { host: 'quire.test' });
    expect(unknown.status).toBe(404);
  });
});

describe('forged tokens are refused at the edge and at the cell', () => {
  async function forgeries() {
    const real = await world.login('acme-eu', eu.email, eu.password);
    const [h, p] = real.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const { kid, privateJwk } = cellSigningKey(world, 'eu-1');
    const key = await importJWK(privateJwk, 'ES256');
    const sign = (c: Record<string, unknown>, hdr: Record<string, unknown> = {}) =>
      new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid, ...hdr }).sign(key);
    const now = Math.floor(Date.now() / 1000);
    const jwks = (await (
      await fetch(`${world.topology.cells.get('eu-1')!.url}/.well-known/jwks.json`)
    ).json()) as {
      keys: Record<string, unknown>[];
    };
    const publicKeyBytes = JSON.stringify(jwks.keys[0]);
    const hsInput = `${b64({ ...header, alg: 'HS256' })}.${p}`;
    const us1 = cellSigningKey(world, 'us-1');
    return {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      'HS256 signed with the public key': `${hsInput}.${createHmac('sha256', publicKeyBytes).update(hsInput).digest('base64url')}`,
      expired: await sign({ ...claims, iat: now - 3600, exp: now - 1800 }),
      'wrong aud': await sign({ ...claims, aud: 'someone-else' }),
      'wrong iss': await sign({ ...claims, iss: 'https://evil.example' }),
      'unknown kid': await sign(claims, { kid: 'k-does-not-exist' }),
      "us-1's real key claiming an eu-1 tenant": await new SignJWT({ ...claims, cell: 'us-1' })
        .setProtectedHeader({ alg: 'ES256', kid: us1.kid })
        .sign(await importJWK(us1.privateJwk, 'ES256')),
      'tampered tenant': `${h}.${b64({ ...claims, tid: us.tenantId })}.${real.split('.')[2]}`,
    };
  }

  it('each forgery gets 401 through the edge and 401/421 directly at the cell', async () => {
    const eu1 = world.topology.cells.get('eu-1')!.url;
    for (const [name, token] of Object.entries(await forgeries())) {
      const viaEdge = await world.edge.fetch('http://acme-eu.quire.test/v1/me', { headers: bearer(token) });
      expect([401, 403], `${name} via the edge`).toContain(viaEdge.status);
      const direct = await fetch(`${eu1}/v1/me`, { headers: bearer(token) });
      expect([401, 421], `${name} at the cell`).toContain(direct.status);
      const body = (await direct.json()) as any;
      expect(body.error.code, name).toMatch(/unauthenticated|misdirected_request/);
    }
  });
});

describe('headers a client may not set', () => {
  it('spoofed internal and forwarding headers do not survive the edge', async () => {
    const token = await world.login('acme-eu', eu.email, eu.password);
    const res = await world.edge.fetch('http://acme-eu.quire.test/v1/auth/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-quire-tenant': us.tenantId,
        'x-quire-edge-assertion': 'v1.0.forged',
        'x-forwarded-for': '203.0.113.66',
        forwarded: 'for=203.0.113.66',
      },
      body: JSON.stringify({ email: eu.email, password: 'wrong password on purpose' }),
    });
    // The tenant stayed acme-eu (a spoofed tenant header would have pointed at acme-us).
    expect(res.status).toBe(401);
    expect(res.headers.get('x-quire-cell')).toBe('eu-1');
    const audit = await world.edge.fetch('http://quire.test/v1/audit?action=auth.login_failed', {
      headers: bearer(token),
    });
    const entries = ((await audit.json()) as any).items as { ip: string | null }[];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.ip).not.toBe('203.0.113.66');
  });
});

describe('outages stay contained', () => {
  it('with the control plane down, the edge keeps routing tenants it has seen', async () => {
    const token = await world.login('acme-eu', eu.email, eu.password);
    await world.topology.stop('control-plane');
    try {
      for (let i = 0; i < 5; i++) {
        const res = await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(token) });
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 300)); // past the refresh interval: refreshes fail
      }
      const unknown = await world.edge.fetch('http://never-seen.quire.test/v1/me');
      expect(unknown.status).toBe(404);
    } finally {
      await world.topology.start('control-plane');
    }
  });

  it("with one cell down, its tenants get 503 + Retry-After and the other cell's tenants see no errors", async () => {
    // The previous case restarted the control plane: wait until both cells are routed again.
    let usToken = '';
    let euToken = '';
    await waitFor(async () => {
      usToken = await world.login('acme-us', us.email, us.password);
      euToken = await world.login('acme-eu', eu.email, eu.password);
      return true;
    }, 'both cells routed');
    await world.topology.stop('us-1');
    try {
      const down = await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(usToken) });
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await down.json()) as any).error.code).toBeTruthy();
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++)
        statuses.push(
          (await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(euToken) })).status,
        );
      expect(statuses.every((s) => s === 200)).toBe(true);
    } finally {
      await world.topology.start('us-1');
    }
    await waitFor(
      async () =>
        (await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(usToken) })).status === 200,
      'us-1 back behind the edge',
    );
  });

  it('a suspended tenant gets 403 at the edge once the route table has it', async () => {
    const t = await world.provision({ slug: 'soon-suspended', region: 'us' });
    await untilRouted(world, 'soon-suspended');
    const token = await world.login('soon-suspended', t.email, t.password);
    const res = await world.topology.admin('POST', `/v1/admin/tenants/${t.tenantId}/suspend`);
    expect(res.status).toBe(200);
    await waitFor(
      async () =>
        (await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(token) })).status === 403,
      'suspension visible at the edge',
    );
    const body = (await (
      await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(token) })
    ).json()) as any;
    expect(body.error.code).toBe('tenant_suspended');
  });
});
