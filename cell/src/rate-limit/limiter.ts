import type { Logger } from '@quire/shared/log';
import { Redis } from 'ioredis';
import { GCRA_LUA, type GcraResult, LocalGcra, parseGcraReply } from './gcra.ts';

/** One limit a request counts against: e.g. a tenant's API calls per minute. */
export interface RateCheck {
  /** The policy's name in the RateLimit headers and in `details.resource` of a 429. */
  policy: string;
  /** Who it limits (a tenant or a user id): part of the Redis key. */
  subject: string;
  /** Keys of one check share a hash tag (the tenant), so a Redis Cluster keeps them in one slot. */
  tenantId: string;
  limit: number;
  windowSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The check that refused (the one freeing up last). */
  denied: RateCheck | null;
  retryAfterSeconds: number;
  items: { check: RateCheck; remaining: number; resetSeconds: number }[];
  /** Decided by this process alone: Redis was unreachable. */
  degraded: boolean;
}

export interface RateLimiterOptions {
  url: string;
  cellId: string;
  /** A check waits at most this long for Redis before the process decides alone. */
  timeoutMs: number;
  log: Logger;
  onDecision?: (d: RateDecision) => void;
  onDegraded?: (degraded: boolean) => void;
}

type GcraRedis = Redis & { quireGcra(n: number, ...args: (string | number)[]): Promise<number[]> };

/**
 * Rate limits in the cell's Redis: one atomic GCRA script per request covering every limit
 * the request counts against. Redis unreachable (down, slow past `timeoutMs`): the same
 * algorithm in this process's memory, with a log line when that starts and ends; a request
 * is never let through unlimited and never fails with a 500 because of the limiter.
 *
 * Its own connection, without an offline queue and without retries per command: a check
 * must fail fast, while the cell's shared connection (BullMQ) waits for Redis to return.
 */
export class RateLimiter {
  private readonly redis: GcraRedis;
  private readonly local = new LocalGcra();
  private readonly o: RateLimiterOptions;
  private degradedSince: number | null = null;
  /** Until the first connection is up or has failed, a check waits for it (bounded by timeoutMs). */
  private starting = true;

  constructor(o: RateLimiterOptions) {
    this.o = o;
    this.redis = new Redis(o.url, {
      enableOfflineQueue: false,
      // Checks of concurrent requests share a write (and a read) to Redis: fewer syscalls on both ends.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      commandTimeout: o.timeoutMs,
      connectTimeout: Math.max(1000, o.timeoutMs * 4),
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    }) as GcraRedis;
    this.redis.on('error', () => {}); // reported through degraded mode, once
    this.redis.once('ready', () => {
      this.starting = false;
    });
    this.redis.defineCommand('quireGcra', { lua: GCRA_LUA });
  }

  get degraded(): boolean {
    return this.degradedSince !== null;
  }

  async take(checks: RateCheck[]): Promise<RateDecision> {
    const active = checks.filter((c) => Number.isFinite(c.limit));
    if (active.length === 0)
      return { allowed: true, denied: null, retryAfterSeconds: 0, items: [], degraded: false };
    const keys = active.map((c) => this.key(c));
    const params = active.map((c) => ({
      intervalMs: (c.windowSeconds * 1000) / Math.max(c.limit, 1),
      burst: Math.max(c.limit, 0),
    }));
    let result: GcraResult;
    let degraded = false;
    try {
      if (this.starting && this.redis.status !== 'ready') await this.firstConnection();
      const args = params.flatMap((p) => [p.intervalMs.toFixed(6), p.burst]);
      result = parseGcraReply(await this.redis.quireGcra(keys.length, ...keys, ...args), keys.length);
      this.recovered();
    } catch (err) {
      this.failed(err);
      degraded = true;
      result = this.local.take(keys.map((key, i) => ({ key, ...params[i]! })));
    }
    const decision: RateDecision = {
      allowed: result.allowed,
      denied: result.deniedIndex >= 0 ? active[result.deniedIndex]! : null,
      retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
      items: active.map((check, i) => ({
        check,
        remaining: result.keys[i]!.remaining,
        resetSeconds: Math.ceil(result.keys[i]!.resetMs / 1000),
      })),
      degraded,
    };
    this.o.onDecision?.(decision);
    return decision;
  }

  /** Right after boot: wait (at most timeoutMs) for the connection instead of deciding alone. */
  private async firstConnection(): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.o.timeoutMs);
      this.redis.once('ready', done);
    });
    this.starting = false;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private key(c: RateCheck): string {
    return `quire:${this.o.cellId}:rl:{${c.tenantId}}:${c.policy}:${c.subject}`;
  }

  private failed(err: unknown): void {
    if (this.degradedSince !== null) return;
    this.degradedSince = Date.now();
    this.o.onDegraded?.(true);
    this.o.log.warn('rate limiter: Redis unreachable, limiting per process until it answers again', {
      error: err instanceof Error ? err.message : String(err),
    });
  }

  private recovered(): void {
    if (this.degradedSince === null) return;
    this.o.log.info('rate limiter: Redis answers again, limits are shared by the cell', {
      degradedMs: Date.now() - this.degradedSince,
    });
    this.degradedSince = null;
    this.o.onDegraded?.(false);
  }
}

/**
 * The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` lists
 * each policy (`q` quota, `w` window seconds), `RateLimit` what is left of each (`r`
 * remaining, `t` seconds until it is whole again).
 */
export function rateLimitHeaders(d: RateDecision): { policy: string; state: string } | null {
  if (d.items.length === 0) return null;
  return {
    policy: d.items
      .map((i) => `"${i.check.policy}";q=${i.check.limit};w=${i.check.windowSeconds}`)
      .join(', '),
    state: d.items.map((i) => `"${i.check.policy}";r=${i.remaining};t=${i.resetSeconds}`).join(', '),
  };
}
