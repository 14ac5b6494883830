import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@quire/shared/log';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import { freePort } from '../../../test/support/free-port.ts';
import { buildTenant, buildUser, call, startTestCell, type TestCell } from '../../../test/support/harness.ts';
import { type RateCheck, RateLimiter } from '../../src/rate-limit/limiter.ts';
import { Overrides } from '../quotas/support.ts';

/**
 * Rate limits: one GCRA script per check in Redis (exact under concurrency), the plan's
 * limits on every authenticated request with the IETF draft's headers, 429 + Retry-After
 * past them, and a per-process fallback when Redis is unreachable (never a 500).
 */
const quiet = createLogger('error', {}, () => {});

describe('the GCRA script', () => {
  it('allows the limit within 1 % when 64 concurrent clients race for it', async () => {
    // 8 connections (as 8 API processes), 64 clients on them; a one-hour window, so what
    // frees up while the test runs (0.28 per second) stays far below 1 % of the limit.
    const limiters = Array.from(
      { length: 8 },
      () =>
        new RateLimiter({
          url: process.env.QUIRE_REDIS_URL!,
          cellId: 'rl-test',
          timeoutMs: 2000,
          log: quiet,
        }),
    );
    const limit = 1000;
    const check: RateCheck = {
      policy: 'api',
      subject: 'tenant',
      tenantId: `ten_rl${randomUUID().slice(0, 8)}`,
      limit,
      windowSeconds: 3600,
    };
    let attempts = 0;
    let allowed = 0;
    let degraded = 0;
    await Promise.all(
      Array.from({ length: 64 }, async (_, client) => {
        const limiter = limiters[client % limiters.length]!;
        while (attempts < limit * 2) {
          attempts++;
          const d = await limiter.take([check]);
          if (d.allowed) allowed++;
          if (d.degraded) degraded++;
        }
      }),
    );
    await Promise.all(limiters.map((l) => l.close()));
    expect(degraded).toBe(0);
    expect(allowed).toBeGreaterThanOrEqual(limit);
    expect(allowed).toBeLessThanOrEqual(limit * 1.01);
  });

  it('charges every key or none: a request refused by one limit costs the others nothing', async () => {
    const limiter = new RateLimiter({
      url: process.env.QUIRE_REDIS_URL!,
      cellId: 'rl-test',
      timeoutMs: 2000,
      log: quiet,
    });
    const tenantId = `ten_rl${randomUUID().slice(0, 8)}`;
    const wide: RateCheck = { policy: 'api', subject: 'tenant', tenantId, limit: 100, windowSeconds: 3600 };
    const narrow: RateCheck = { policy: 'user', subject: 'usr_a', tenantId, limit: 3, windowSeconds: 3600 };
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await limiter.take([wide, narrow]));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false, false]);
    expect(decisions[3]!.denied?.policy).toBe('user');
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThan(0);
    // The wide limit was charged only for the three allowed requests.
    const after = await limiter.take([wide]);
    expect(after.items[0]!.remaining).toBe(100 - 4);
    await limiter.close();
  });
});

describe('plan limits over HTTP', () => {
  let cell: TestCell;
  let overrides: Overrides;
  beforeAll(async () => {
    cell = await startTestCell();
    overrides = new Overrides(cell);
  });
  afterAll(async () => {
    await cell?.close();
  });

  it('announces the policies on every answer and refuses past the tenant limit with 429, Retry-After and details', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    const editor = await buildUser(cell, admin, 'editor');
    await overrides.set(tenantId, { apiCallsPerMinute: 20 });
    const first = await call(cell, admin, 'GET', '/v1/me');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"api";q=20;w=60, "user";q=20;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"api";r=\d+;t=\d+, "user";r=\d+;t=\d+$/);
    // Two users, 18 calls each: each within its own limit (20), together past the tenant's.
    const results = await Promise.all(
      Array.from({ length: 36 }, (_, i) => call(cell, i % 2 ? editor : admin, 'GET', '/v1/me')),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    // 19 left after the first call, less the fraction the harness's own /v1/me (at the plan's
    // 1,000 per minute, before the override) still holds.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(18);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
    const refused = results.find((r) => r.status === 429)!;
    expect(
      results
        .filter((r) => r.status === 429)
        .every((r) => r.body.error.details.resource === 'apiCallsPerMinute'),
    ).toBe(true);
    expect(refused.body.error).toMatchObject({
      code: 'rate_limited',
      details: { resource: 'apiCallsPerMinute', limit: 20, used: 20 },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.details.retryAfter).toBe(retryAfter);
    expect(refused.headers.get('ratelimit')).toMatch(/"api";r=0;/);
    // Another tenant is not slowed by this one.
    const other = await buildTenant(cell);
    expect((await call(cell, other.admin, 'GET', '/v1/me')).status).toBe(200);
  });

  it('limits one user below the tenant (abuse guard) and search by the plan’s searches per minute', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    await overrides.set(tenantId, { searchCallsPerMinute: 3 });
    const searches = [];
    for (let i = 0; i < 5; i++)
      searches.push(await call(cell, admin, 'POST', '/v1/search', { q: 'anything' }));
    expect(searches.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(searches[4]!.status).toBe(429);
    expect(searches[4]!.body.error.details).toMatchObject({ resource: 'searchCallsPerMinute', limit: 3 });
    expect(searches[0]!.headers.get('ratelimit-policy')).toContain('"search";q=3;w=60');
    // The user limit: RATE_LIMIT_USER_PER_MINUTE (600) is below a professional tenant's 10,000.
    const pro = await buildTenant(cell, 'professional');
    const me = await call(cell, pro.admin, 'GET', '/v1/me');
    expect(me.headers.get('ratelimit-policy')).toBe('"api";q=10000;w=60, "user";q=600;w=60');
  });
});

describe('Redis unreachable', () => {
  let redis: ChildProcess | undefined;
  let cell: TestCell | undefined;
  afterAll(async () => {
    await cell?.close();
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
  });

  it('falls back to per-process limits: answers stay 200 or 429, never 500, and say so in metrics', async () => {
    // A Redis of its own for the limiter (never the shared one), killed halfway.
    const port = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const url = `redis://127.0.0.1:${port}`;
    await eventually(async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 'the test redis-server answers');
    cell = await startTestCell('us-1', undefined, {
      RATE_LIMIT_REDIS_URL: url,
      RATE_LIMIT_TIMEOUT_MS: '200',
    });
    const overrides = new Overrides(cell);
    const { tenantId, admin } = await buildTenant(cell);
    await overrides.set(tenantId, { apiCallsPerMinute: 10 });
    for (let i = 0; i < 3; i++) expect((await call(cell, admin, 'GET', '/v1/me')).status).toBe(200);
    expect(cell.deps.rateLimiter!.degraded).toBe(false);

    redis.kill('SIGKILL');
    await eventually(
      async () => redis!.exitCode !== null || redis!.signalCode !== null,
      'redis-server ended',
    );
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await call(cell, admin, 'GET', '/v1/me')).status);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    // The process's own bucket starts full (10) and then refuses: limited, not unlimited.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(11);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect(cell.deps.rateLimiter!.degraded).toBe(true);
    const text = await cell.deps.metrics.registry.metrics();
    expect(text).toMatch(/quire_rate_limiter_degraded\{cell="us-1"\} 1/);
    expect(text).toMatch(
      /quire_rate_limit_throttled_total\{resource="apiCallsPerMinute",mode="process",cell="us-1"\} \d+/,
    );
  });

  it('logs once when it starts deciding alone', async () => {
    const lines: string[] = [];
    const limiter = new RateLimiter({
      url: `redis://127.0.0.1:${await freePort()}`,
      cellId: 'rl-test',
      timeoutMs: 100,
      log: createLogger('info', {}, (l) => lines.push(l)),
    });
    const check: RateCheck = {
      policy: 'api',
      subject: 'tenant',
      tenantId: 'ten_down',
      limit: 2,
      windowSeconds: 60,
    };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.take([check]));
    expect(decisions.map((d) => [d.allowed, d.degraded])).toEqual([
      [true, true],
      [true, true],
      [false, true],
      [false, true],
    ]);
    expect(lines.filter((l) => l.includes('Redis unreachable'))).toHaveLength(1);
    await limiter.close();
  });
});
