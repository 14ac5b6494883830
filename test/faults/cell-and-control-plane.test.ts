import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../infra/local/topology.ts';
import {
  bearer,
  call,
  type FaultWorld,
  isCellDown,
  listRoot,
  search,
  startFaultWorld,
  upload,
} from './support.ts';

/**
 * Short fault cases through the edge (the long run with figures is bench/faults.ts): kill -9 a
 * cell's API during idempotent uploads, the control plane, and one cell while the other serves.
 * Every process killed here was started by this file (its own control plane, cells and Redis).
 */
let f: FaultWorld;

beforeAll(async () => {
  f = await startFaultWorld('faults_cp');
}, 120_000);

afterAll(async () => {
  await f?.close();
}, 120_000);

describe('kill -9 of a cell API during idempotent uploads through the edge', () => {
  it('every acknowledged upload is there exactly once after the restart; retries with the same key give the same document', async () => {
    const { world, tenants } = f;
    const token = tenants.us.token;
    const acknowledged = new Map<string, string>(); // Idempotency-Key → document id
    const keys: string[] = [];
    let killed = false;
    let restarted = false;

    /** Each writer sends its uploads in turn and retries a key (same key, same request) until it is acknowledged. */
    const writer = async (w: number) => {
      for (let i = 0; i < 8; i++) {
        const key = `faults-${w}-${i}-${Date.now().toString(36)}`;
        keys.push(key);
        for (let attempt = 0; ; attempt++) {
          const res = await upload(world, token, `${key}.txt`, key);
          if (res.status === 201) {
            acknowledged.set(key, res.body.document.id);
            break;
          }
          // While the cell is down the edge answers 503 with Retry-After; after the restart the
          // killed process's upload slots stay taken until their leases expire (429 with
          // Retry-After). Both are retried as a client would; nothing else is acceptable.
          if (res.status !== 0 && res.status !== 503 && res.status !== 429)
            throw new Error(`upload ${key}: ${res.status} ${JSON.stringify(res.body)}`);
          if (attempt > 400) throw new Error(`upload ${key} never acknowledged`);
          const after = res.status === 429 ? Number(res.headers.get('retry-after') ?? 1) : 0;
          await new Promise((r) => setTimeout(r, Math.max(50, Math.min(after, 5) * 1000)));
        }
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));
    await waitFor(async () => acknowledged.size >= 6, 'a few acknowledged uploads before the crash');
    await world.topology.stop('us-1'); // SIGKILL
    killed = true;
    // The cell is down: its tenant gets 503 `unavailable` with Retry-After from the edge.
    const down = await call(world, '/v1/me', { headers: bearer(token) });
    expect(isCellDown(down), JSON.stringify(down.body)).toBe(true);
    await world.topology.start('us-1');
    restarted = true;
    await writers;
    expect(killed && restarted).toBe(true);
    expect(acknowledged.size).toBe(keys.length);

    // Exactly once: one document per key (the file name is the key), each the acknowledged one.
    const items = await listRoot(world, token);
    for (const [key, id] of acknowledged) {
      const named = items.filter((d) => d.title === `${key}.txt`);
      expect(
        named.map((d) => d.id),
        key,
      ).toEqual([id]);
    }
    // A retry with the same key answers the same document and creates nothing.
    for (const key of keys.slice(0, 4)) {
      const again = await upload(world, token, `${key}.txt`, key);
      expect(again.status).toBe(201);
      expect(again.body.document.id).toBe(acknowledged.get(key));
    }
    expect((await listRoot(world, token)).length).toBe(items.length);
    // The same key for a different request is a conflict, never a second document.
    const [firstKey] = keys;
    const conflict = await upload(world, token, 'something-else.txt', firstKey);
    expect(conflict.status).toBe(409);
  }, 60_000);
});

describe('the control plane killed', () => {
  it('tenants already routed keep reading and writing through the edge; provisioning fails clearly; it recovers on restart', async () => {
    const { world, tenants } = f;
    await world.topology.stop('control-plane'); // SIGKILL
    try {
      for (const region of ['us', 'eu'] as const) {
        const { token } = tenants[region];
        for (let i = 0; i < 3; i++) {
          const me = await call(world, '/v1/me', { headers: bearer(token) });
          expect(me.status, JSON.stringify(me.body)).toBe(200);
          const up = await upload(world, token, `cp-down-${region}-${i}.txt`, `cp-down-${region}-${i}`);
          expect(up.status, JSON.stringify(up.body)).toBe(201);
          const read = await call(world, `/v1/documents/${up.body.document.id}/content`, {
            headers: bearer(token),
          });
          expect(read.status).toBe(200);
          const found = await search(world, token, 'anything');
          expect(found.status, JSON.stringify(found.body)).toBe(200);
          await new Promise((r) => setTimeout(r, 200)); // past the edge's refresh interval: its refreshes fail
        }
      }
      // New provisioning fails clearly: the control plane does not answer (no half-made tenant anywhere).
      await expect(
        world.provision({ slug: `during-outage-${Date.now().toString(36)}`, region: 'us' }),
      ).rejects.toThrow(/fetch failed|ECONNREFUSED/);
      // A tenant the edge has never seen is a clear 404, not a hang or a 5xx.
      const unknown = await call(world, 'http://never-seen.quire.test/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect([404, 503]).toContain(unknown.status);
    } finally {
      await world.topology.start('control-plane');
    }
    // Recovered: provisioning works again and the new tenant is served through the edge.
    const slug = `after-outage-${Date.now().toString(36)}`;
    let created: { tenantId: string; email: string; password: string } | undefined;
    await waitFor(async () => {
      created = await world.provision({ slug, region: 'eu' });
      return true;
    }, 'provisioning after the control plane restarted');
    await waitFor(async () => {
      const token = await world.login(slug, created!.email, created!.password);
      return (await call(world, '/v1/me', { headers: bearer(token) })).status === 200;
    }, 'the new tenant routed through the edge');
  }, 60_000);
});

describe('one cell API down', () => {
  it("the other cell's tenants keep succeeding; the down cell's get 503 unavailable with Retry-After, never another cell", async () => {
    const { world, tenants } = f;
    // The previous case restarted the control plane: both cells answer through the edge again.
    await waitFor(
      async () =>
        (await call(world, '/v1/me', { headers: bearer(tenants.us.token) })).status === 200 &&
        (await call(world, '/v1/me', { headers: bearer(tenants.eu.token) })).status === 200,
      'both cells routed',
    );
    await world.topology.stop('eu-1'); // SIGKILL
    const euStatuses: string[] = [];
    const usStatuses: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        for (const path of ['/v1/me', '/v1/folders/root/children']) {
          const eu = await call(world, path, { headers: bearer(tenants.eu.token) });
          euStatuses.push(
            isCellDown(eu) && eu.headers.get('x-quire-cell') !== 'us-1' ? 'down' : `${eu.status}`,
          );
        }
        const euSearch = await search(world, tenants.eu.token, 'x');
        euStatuses.push(isCellDown(euSearch) ? 'down' : `${euSearch.status}`);
        const me = await call(world, '/v1/me', { headers: bearer(tenants.us.token) });
        expect(me.headers.get('x-quire-cell')).toBe('us-1');
        usStatuses.push(me.status);
        usStatuses.push((await search(world, tenants.us.token, 'cp-down')).status);
        usStatuses.push((await upload(world, tenants.us.token, `while-eu-down-${i}.txt`)).status);
      }
    } finally {
      await world.topology.start('eu-1');
    }
    expect(euStatuses.every((s) => s === 'down')).toBe(true);
    expect(usStatuses.every((s) => s === 200 || s === 201)).toBe(true);
    await waitFor(
      async () => (await call(world, '/v1/me', { headers: bearer(tenants.eu.token) })).status === 200,
      'eu-1 back behind the edge',
    );
  }, 60_000);
});
