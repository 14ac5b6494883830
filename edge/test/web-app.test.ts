import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type TestEdge } from '../../test/support/edge.ts';
import { ASSERTION_SECRET, EDGE_TOKEN, HOSTS, routeTenant, SnapshotServer } from './topology.ts';

/**
 * The web app as Workers static assets behind the edge (workerd): non-API GETs serve the app,
 * app routes fall back to index.html, the API stays the API, strict-residency tenants are
 * redirected to their region's hostname before the app loads, and every response of the app
 * carries the strict headers. A stand-in build keeps this test independent of `vite build`.
 */
describe('the web app on the one hostname', () => {
  let snapshots: SnapshotServer;
  let edge: TestEdge;
  const strict = { tenantId: 'ten_strictwebapp01' };
  const plain = { tenantId: 'ten_plainwebapp001' };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quire-web-assets-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><html><head><title>Quire</title><script type="module" src="/assets/index-AbCdEf12.js"></script></head><body><div id="root"></div></body></html>',
    );
    writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), 'console.log("app");');
    snapshots = new SnapshotServer({
      cells: [
        { id: 'eu-1', region: 'eu', baseUrl: 'http://127.0.0.1:9', status: 'active', issuer: 'https://eu-1' },
        { id: 'us-1', region: 'us', baseUrl: 'http://127.0.0.1:9', status: 'active', issuer: 'https://us-1' },
      ],
      tenants: [
        routeTenant(strict, 'eu-1', 'eu', { strictResidency: true }),
        routeTenant(plain, 'us-1', 'us'),
      ],
      keys: [],
    });
    await snapshots.start();
    edge = await startEdge({
      controlPlaneUrl: snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      assetsDir: dir,
    });
  });
  afterAll(async () => {
    await edge?.close();
    await snapshots?.stop();
  });

  it('serves index.html on the bare hostname with strict headers and where it was served', async () => {
    const res = await edge.fetch('http://quire.test/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).toContain('<meta name="quire-host" content="quire.test global ">');
  });

  it("answers the app's own routes with index.html and hashed files with long caching", async () => {
    const route = await edge.fetch('http://quire.test/documents/doc_00000000000000000000000000');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="root">');
    const js = await edge.fetch('http://quire.test/assets/index-AbCdEf12.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('keeps /v1/*, /.well-known/* and /scim/v2/* the API (JSON errors, never the app)', async () => {
    for (const path of [
      '/v1/me',
      '/v1/documents/doc_00000000000000000000000000',
      '/.well-known/jwks.json',
      '/scim/v2/Users',
    ]) {
      const res = await edge.fetch(`http://quire.test${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
    // Other methods on app paths are not the app either.
    const post = await edge.fetch('http://quire.test/', { method: 'POST', body: 'x' });
    expect(post.status).toBe(401);
  });

  it("redirects a strict-residency tenant's hostname to its region's before the app loads", async () => {
    const slug = strict.tenantId.slice(4);
    const res = await edge.fetch(`http://${slug}.quire.test/documents/doc_00000000000000000000000000`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe(
      `http://${slug}.eu.quire.test/documents/doc_00000000000000000000000000`,
    );
    const served = await edge.fetch(`http://${slug}.eu.quire.test/`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain(`<meta name="quire-host" content="eu.quire.test eu ${slug}">`);
    // Other tenants get the app on any hostname.
    const other = await edge.fetch(`http://${plain.tenantId.slice(4)}.quire.test/`);
    expect(other.status).toBe(200);
  });

  it('does not spend the rate limit of clients without a token on the app', async () => {
    const limited = await startEdge({
      controlPlaneUrl: snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      assetsDir: undefined,
      rateLimit: { burst: 2, perSecond: 0.001 },
    });
    try {
      // Without assets bound, non-API paths go on to the API as before (and spend the bucket).
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.fetch('http://quire.test/')).status);
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
    for (let i = 0; i < 5; i++) expect((await edge.fetch('http://quire.test/')).status).toBe(200);
  });
});
