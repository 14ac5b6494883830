import { verifyEdgeAssertion } from '@quire/shared/edge-assertion';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type TestEdge } from '../../test/support/edge.ts';
import { ASSERTION_SECRET, at, EDGE_TOKEN, HOSTS, startTopology, type Topology } from './topology.ts';

/** Through the edge in workerd to real cells: which tenant, which cell, and what the cell is told. */
describe('edge routing', () => {
  let top: Topology;
  let edge: TestEdge;

  beforeAll(async () => {
    top = await startTopology();
    edge = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      refreshSeconds: 3600,
    });
  });
  afterAll(async () => {
    await edge?.close();
    await top?.close();
  });

  it("sends an EU user's request, on the one global hostname, to eu-1", async () => {
    const res = await edge.fetch('/v1/me', { headers: top.euTenant.admin.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-quire-cell')).toBe('eu-1');
    const me = (await res.json()) as { userId: string; tenantId: string };
    expect(me.userId).toBe(top.euTenant.admin.userId);

    const us = await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers });
    expect(us.status).toBe(200);
    expect(us.headers.get('x-quire-cell')).toBe('us-1');
  });

  it('logs in on a tenant subdomain before any token: the right cell, told the tenant with a valid assertion', async () => {
    const email = `admin@${top.euTenant.tenantId.replace('_', '-')}.test`;
    const res = await edge.fetch(`${at(top.euTenant)}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-quire-cell')).toBe('eu-1');
    const { accessToken } = (await res.json()) as { accessToken: string };
    const me = await edge.fetch('/v1/me', { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);

    // What the cell received: the echo origin shows the tenant header and a verifiable assertion.
    const echoed = await edge.fetch(`${at(top.echoTenant)}/echo/login?x=1`, { method: 'POST', body: '{}' });
    expect(echoed.status).toBe(200);
    const seen = (await echoed.json()) as { headers: Record<string, string>; url: string };
    expect(seen.url).toBe('/echo/login?x=1');
    expect(seen.headers['x-quire-tenant']).toBe(top.echoTenant.tenantId);
    const ok = await verifyEdgeAssertion(ASSERTION_SECRET, seen.headers['x-quire-edge-assertion'], {
      requestId: seen.headers['x-request-id']!,
      tenantId: top.echoTenant.tenantId,
      method: 'POST',
      path: '/echo/login',
    });
    expect(ok).toBe(true);
    expect(echoed.headers.get('x-request-id')).toBe(seen.headers['x-request-id']);
  });

  it("refuses tenant A's token on tenant B's subdomain, at the edge", async () => {
    const before = top.echo.seen.length;
    const res = await edge.fetch(`${at(top.echoTenant)}/v1/me`, { headers: top.usTenant.admin.headers });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('tenant_mismatch');
    const cross = await edge.fetch(`${at(top.usTenant)}/v1/me`, { headers: top.euTenant.admin.headers });
    expect(cross.status).toBe(403);
    expect(top.echo.seen.length).toBe(before);
    // Its own subdomain is fine.
    const own = await edge.fetch(`${at(top.usTenant)}/v1/me`, { headers: top.usTenant.admin.headers });
    expect(own.status).toBe(200);
  });

  it('routes a share link by the tenant hint in its token, and refuses a hint that contradicts the token', async () => {
    const res = await edge.fetch(`/v1/share/${top.echoTenant.tenantId}.opaque-rest`);
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string>; url: string };
    expect(seen.url).toBe(`/v1/share/${top.echoTenant.tenantId}.opaque-rest`);
    expect(seen.headers['x-quire-tenant']).toBe(top.echoTenant.tenantId);

    const unknown = await edge.fetch('/v1/share/ten_nobody-here.rest');
    expect(unknown.status).toBe(404);
    const mismatch = await edge.fetch(`/v1/share/${top.echoTenant.tenantId}.rest`, {
      headers: top.usTenant.admin.headers,
    });
    expect(mismatch.status).toBe(403);
  });

  it('answers 404 tenant_not_found for an unknown subdomain, and 401 when nothing names a tenant', async () => {
    const res = await edge.fetch('http://nobody-here.quire.test/v1/auth/login', {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('tenant_not_found');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));

    const none = await edge.fetch('/v1/auth/login', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const app = await edge.fetch('http://app.quire.test/v1/me');
    expect(app.status).toBe(401);
    const foreignHost = await edge.fetch('http://quire.evil.example/v1/me', {
      headers: top.usTenant.admin.headers,
    });
    expect(foreignHost.status).toBe(421);
  });

  it('answers its own /healthz without a tenant and never forwards /internal paths', async () => {
    const health = await edge.fetch('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, edge: true });
    const before = top.echo.seen.length;
    for (const path of ['/internal/v1/tenants/x', '/%69nternal/v1/tenants/x', '/INTERNAL/v1/x']) {
      const res = await edge.fetch(`${at(top.echoTenant)}${path}`, { method: 'PUT', body: '{}' });
      expect(res.status).toBe(404);
    }
    expect(top.echo.seen.length).toBe(before);
  });

  it('is what makes a cell accept the request: an edge with another assertion secret is refused by the cell', async () => {
    const rogue = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: 'not-the-secret-the-cells-share-0123456789',
      hosts: HOSTS,
    });
    try {
      const res = await rogue.fetch('/v1/me', { headers: top.usTenant.admin.headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-quire-cell')).toBe('us-1');
      expect(((await res.json()) as any).error.message).toMatch(/edge/);
    } finally {
      await rogue.close();
    }
  });

  it('rate-limits requests without a valid token per client IP (429 + Retry-After); tokens are not limited', async () => {
    const limited = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      rateLimit: { burst: 3, perSecond: 0.05 },
    });
    try {
      const from = (ip: string, headers: Record<string, string> = {}) =>
        limited.fetch(`${at(top.echoTenant)}/echo`, { headers: { 'cf-connecting-ip': ip, ...headers } });
      for (let i = 0; i < 3; i++) expect((await from('198.51.100.1')).status).toBe(200);
      const over = await from('198.51.100.1');
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await over.json()) as any).error.code).toBe('rate_limited');
      // Forged tokens spend from the same bucket.
      const forged = await from('198.51.100.1', { authorization: 'Bearer a.b.c' });
      expect(forged.status).toBe(429);
      // Another client is not affected, nor is a valid token from the limited one.
      expect((await from('198.51.100.2')).status).toBe(200);
      const token = await top.echoToken();
      for (let i = 0; i < 5; i++) {
        expect((await from('198.51.100.1', { authorization: `Bearer ${token}` })).status).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });

  it('fails loudly on invalid bindings, naming the binding but not its value', async () => {
    const broken = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      bindings: { HOSTS: '{"Not A Host!":"global"}', EDGE_TOKEN: 'short-secret' },
    });
    try {
      const res = await broken.fetch('/v1/me');
      expect(res.status).toBe(500);
      expect(((await res.json()) as any).error.code).toBe('internal');
      const id = res.headers.get('x-request-id')!;
      while (!broken.logs.some((l) => l.includes(id))) await new Promise((r) => setTimeout(r, 10));
      const line = broken.logs.find((l) => l.includes('edge_error'))!;
      expect(line).toMatch(/HOSTS/);
      expect(line).toMatch(/EDGE_TOKEN/);
      expect(line).not.toContain('short-secret');
    } finally {
      await broken.close();
    }
  });

  it('guards the stats endpoint with the edge token', async () => {
    expect((await edge.fetch('/__edge/stats')).status).toBe(404);
    expect((await edge.fetch('/__edge/stats', { headers: { authorization: 'Bearer nope' } })).status).toBe(
      404,
    );
    const stats = await edge.stats();
    expect(stats.version).toBe(top.snapshots.snapshot.version);
  });
});
