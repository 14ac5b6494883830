import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartEdgeOptions, startEdge, type TestEdge } from '../../test/support/edge.ts';
import { buildTenant } from '../../test/support/harness.ts';
import {
  ASSERTION_SECRET,
  at,
  EDGE_TOKEN,
  HOSTS,
  routeTenant,
  startTopology,
  type Topology,
} from './topology.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `ok` holds (background work in workerd finishes after the response). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    await pause(25);
  }
}

/** Route table lifecycle, residency, suspension and failures: what users see when parts go away. */
describe('edge resilience and residency', () => {
  let top: Topology;
  let strictEu: Awaited<ReturnType<typeof buildTenant>>;
  let suspended: Awaited<ReturnType<typeof buildTenant>>;
  const edges: TestEdge[] = [];

  const open = async (o: Partial<StartEdgeOptions> = {}) => {
    const edge = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      refreshSeconds: 3600,
      ...o,
    });
    edges.push(edge);
    return edge;
  };

  beforeAll(async () => {
    top = await startTopology();
    [strictEu, suspended] = await Promise.all([buildTenant(top.eu.cell), buildTenant(top.us.cell)]);
    top.snapshots.update((s) => {
      s.tenants.push(routeTenant(strictEu, 'eu-1', 'eu', { strictResidency: true }));
      s.tenants.push(routeTenant(suspended, 'us-1', 'us', { status: 'suspended' }));
    });
  });
  afterAll(async () => {
    await Promise.all(edges.map((e) => e.close()));
    await top?.close();
  });

  it('after warm-up, a burst of routed requests makes zero control-plane calls', async () => {
    const edge = await open();
    expect((await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
    const hits = top.snapshots.hits;
    const fetches = (await edge.stats()).controlPlaneFetches;
    for (let i = 0; i < 100; i++) {
      const user = i % 2 ? top.usTenant.admin : top.euTenant.admin;
      const res = await edge.fetch('/v1/me', { headers: user.headers });
      expect(res.status).toBe(200);
      const sub = await edge.fetch(`${at(top.echoTenant)}/echo`);
      expect(sub.status).toBe(200);
    }
    expect(top.snapshots.hits).toBe(hits);
    const stats = await edge.stats();
    expect(stats.controlPlaneFetches).toBe(fetches);
    expect(stats.kvReads).toBe(1); // once, on the cold start
  });

  it('refreshes in the background with If-None-Match, and picks up a new version', async () => {
    const edge = await open({ refreshSeconds: 1 });
    expect((await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
    const notModified = top.snapshots.notModified;
    await pause(1100);
    expect((await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
    await eventually(
      () => edge.stats(),
      (s) => s.notModified >= 1,
    );
    expect(top.snapshots.notModified).toBeGreaterThan(notModified);

    const late = { tenantId: `ten_late${Math.random().toString(36).slice(2, 8)}` };
    top.snapshots.update((s) => {
      s.tenants.push(routeTenant(late, 'echo-1', 'us'));
    });
    await pause(1100);
    await edge.fetch(`${at(top.echoTenant)}/echo`); // triggers the background refresh
    await eventually(
      () => edge.stats(),
      (s) => s.version === top.snapshots.snapshot.version,
    );
    const res = await edge.fetch(`${at(late)}/echo`);
    expect(res.status).toBe(200);
    expect((await edge.stats()).missRefreshes).toBe(0);
  });

  it('answers 404 for an unknown tenant after one rate-limited refresh, then from its negative cache', async () => {
    const edge = await open();
    expect((await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers })).status).toBe(200);
    const hits = top.snapshots.hits;
    for (const slug of ['nobody-1', 'nobody-1', 'nobody-2', 'nobody-1']) {
      const res = await edge.fetch(`http://${slug}.quire.test/v1/auth/login`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('tenant_not_found');
    }
    expect(top.snapshots.hits).toBe(hits + 1);
  });

  it('refuses a suspended tenant with 403, by subdomain and by token', async () => {
    const edge = await open();
    const bySlug = await edge.fetch(`${at(suspended)}/v1/auth/login`, { method: 'POST', body: '{}' });
    expect(bySlug.status).toBe(403);
    expect(((await bySlug.json()) as any).error.code).toBe('tenant_suspended');
    const byToken = await edge.fetch('/v1/me', { headers: suspended.admin.headers });
    expect(byToken.status).toBe(403);
  });

  it('redirects a strict-residency tenant to its region hostname (308, before any body), serves it there', async () => {
    const edge = await open();
    const eu = top.eu.requests;
    const byToken = await edge.fetch('/v1/me?x=1', { headers: strictEu.admin.headers, redirect: 'manual' });
    expect(byToken.status).toBe(308);
    expect(byToken.headers.get('location')).toBe('http://eu.quire.test/v1/me?x=1');

    // A body that never ends: the redirect comes anyway, so the edge never waited for it.
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled < 3) controller.enqueue(new TextEncoder().encode('{"email":"x"'));
        // then never enqueue or close
        return new Promise(() => {});
      },
    });
    const bySlug = await edge.fetch(`${at(strictEu)}/v1/auth/login`, {
      method: 'POST',
      body: endless,
      duplex: 'half',
      redirect: 'manual',
    } as RequestInit);
    expect(bySlug.status).toBe(308);
    expect(bySlug.headers.get('location')).toBe(`${at(strictEu, 'eu.quire.test')}/v1/auth/login`);
    await endless.cancel().catch(() => {});
    const onUs = await edge.fetch(`${at(strictEu, 'us.quire.test')}/v1/me`, {
      headers: strictEu.admin.headers,
      redirect: 'manual',
    });
    expect(onUs.status).toBe(308);
    expect(top.eu.requests).toBe(eu);

    const served = await edge.fetch('http://eu.quire.test/v1/me', { headers: strictEu.admin.headers });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-quire-cell')).toBe('eu-1');
    const email = `admin@${strictEu.tenantId.replace('_', '-')}.test`;
    const login = await edge.fetch(`${at(strictEu, 'eu.quire.test')}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    expect(login.status).toBe(200);

    // A tenant without the flag is served on any hostname.
    for (const host of ['quire.test', 'us.quire.test', 'eu.quire.test']) {
      const res = await edge.fetch(`http://${host}/v1/me`, { headers: top.euTenant.admin.headers });
      expect(res.status, host).toBe(200);
    }
  });

  it('keeps routing known tenants when the control plane goes down; unknown ones get 404; a cold isolate uses KV', async () => {
    const kvDir = mkdtempSync(join(tmpdir(), 'quire-edge-kv-'));
    const edge = await open({ refreshSeconds: 1, missRefreshSeconds: 1, kvPersist: kvDir });
    expect((await edge.fetch('/v1/me', { headers: top.euTenant.admin.headers })).status).toBe(200);
    await eventually(
      () => edge.stats(),
      (s) => s.kvWrites === 1,
    );
    await top.snapshots.stop();
    try {
      await pause(1100);
      for (let i = 0; i < 3; i++) {
        expect((await edge.fetch('/v1/me', { headers: top.euTenant.admin.headers })).status).toBe(200);
        expect((await edge.fetch(`${at(top.echoTenant)}/echo`)).status).toBe(200);
      }
      const stats = await eventually(
        () => edge.stats(),
        (s) => s.failures >= 1,
      );
      expect(stats.version).toBe(top.snapshots.snapshot.version);
      const unknown = await edge.fetch('http://nobody-at-all.quire.test/v1/auth/login', { method: 'POST' });
      expect(unknown.status).toBe(404);
      const warning = edge.logs.find((l) => l.includes('route_refresh_failed'));
      expect(warning).toBeTruthy();
      expect(JSON.parse(warning!)).toMatchObject({ level: 'warn', serving: 'stale' });

      // A new isolate with the control plane still down starts from what KV holds.
      const cold = await open({ kvPersist: kvDir });
      const res = await cold.fetch('/v1/me', { headers: top.usTenant.admin.headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-quire-cell')).toBe('us-1');
      expect((await cold.stats()).kvReads).toBe(1);

      // Without KV and without the control plane, a cold isolate cannot route: 503, not a guess.
      const blind = await open({ kv: false });
      const none = await blind.fetch('/v1/me', { headers: top.usTenant.admin.headers });
      expect(none.status).toBe(503);
      expect(none.headers.get('retry-after')).toBeTruthy();
    } finally {
      await top.snapshots.start();
    }
  });

  it("answers 503 with Retry-After for a down cell's tenants while the other cell's tenants see no errors", async () => {
    // Marked down in the snapshot.
    top.snapshots.update((s) => {
      s.cells.find((c) => c.id === 'echo-1')!.status = 'down';
    });
    const edge = await open();
    const seenBefore = top.echo.seen.length;
    const marked = await edge.fetch(`${at(top.echoTenant)}/echo`);
    expect(marked.status).toBe(503);
    expect(marked.headers.get('retry-after')).toBe('30');
    expect(((await marked.json()) as any).error.code).toBe('unavailable');
    expect(top.echo.seen.length).toBe(seenBefore);

    // Actually down: its server is gone (connection refused), though the snapshot says active.
    await top.eu.stop();
    const down = await edge.fetch('/v1/me', { headers: top.euTenant.admin.headers });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('30');
    for (let i = 0; i < 20; i++) {
      const us = await edge.fetch('/v1/me', { headers: top.usTenant.admin.headers });
      expect(us.status).toBe(200);
    }
  });
});
