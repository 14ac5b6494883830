import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../infra/local/topology.ts';
import { type Answer, bearer, call, type FaultWorld, search, startFaultWorld, upload } from './support.ts';

/**
 * A cell's Redis (rate limits, login throttle, facet cache, job queues) killed with kill -9 and
 * restarted: the cell's API never answers 500 and never hangs — it degrades or answers 503 in the
 * shared error shape — and recovers once Redis is back; the other cell (its own Redis) is unaffected.
 * The Redis servers are this test's own (test/support/own-servers.ts), never the shared stack's.
 */
let f: FaultWorld;

beforeAll(async () => {
  f = await startFaultWorld('faults_redis', { redisPerCell: true });
}, 120_000);

afterAll(async () => {
  await f?.close();
}, 120_000);

/** Acceptable while Redis is down: success (degraded), or 503 in the shared envelope. Never 500, never a hang. */
function degradedOrUnavailable(a: Answer): boolean {
  if (a.status >= 200 && a.status < 300) return true;
  return (
    a.status === 503 &&
    typeof a.body?.error?.code === 'string' &&
    typeof a.body?.error?.message === 'string' &&
    typeof a.body?.error?.requestId === 'string'
  );
}

describe("kill -9 of one cell's Redis", () => {
  it('API requests degrade or answer 503 (never 500, never hang) and recover after the restart', async () => {
    const { world, tenants, redis } = f;
    const us = tenants.us.token;
    const before = await upload(world, us, 'before-redis-dies.txt', 'before-redis-dies');
    expect(before.status).toBe(201);
    const docId = before.body.document.id as string;

    await redis.kill();
    const requests: [string, () => Promise<Answer>][] = [
      ['me', () => call(world, '/v1/me', { headers: bearer(us), timeoutMs: 10_000 })],
      ['get', () => call(world, `/v1/documents/${docId}`, { headers: bearer(us), timeoutMs: 10_000 })],
      [
        'download',
        () => call(world, `/v1/documents/${docId}/content`, { headers: bearer(us), timeoutMs: 10_000 }),
      ],
      ['list', () => call(world, '/v1/folders/root/children', { headers: bearer(us), timeoutMs: 10_000 })],
      ['search', () => search(world, us, 'before')],
      ['upload', () => upload(world, us, 'while-redis-down.txt', 'while-redis-down')],
    ];
    const seen: Record<string, number> = {};
    for (const [name, send] of requests) {
      const a = await send();
      seen[name] = a.status;
      expect(degradedOrUnavailable(a), `${name}: ${a.status} ${JSON.stringify(a.body)}`).toBe(true);
    }
    // The other cell has its own Redis: its tenant sees nothing of this.
    for (const a of [
      await call(world, '/v1/me', { headers: bearer(tenants.eu.token) }),
      await search(world, tenants.eu.token, 'anything'),
      await upload(world, tenants.eu.token, 'eu-while-us-redis-down.txt'),
    ])
      expect([200, 201]).toContain(a.status);

    await redis.start();
    // Recovered: every request succeeds again (the clients reconnect by themselves).
    await waitFor(async () => {
      for (const [, send] of requests) {
        const a = await send();
        if (a.status < 200 || a.status >= 300) return false;
      }
      return true;
    }, 'every request succeeding after Redis came back');
    // An upload acknowledged while Redis was down (if any) is still there, once.
    if (seen.upload === 201) {
      const again = await upload(world, us, 'while-redis-down.txt', 'while-redis-down');
      expect(again.status).toBe(201);
    }
  }, 60_000);
});
