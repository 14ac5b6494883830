import { LimitExceeded } from '@quire/shared/errors';
import type { Logger } from '@quire/shared/log';
import type { Redis } from 'ioredis';

/**
 * Concurrency slots (uploads now, exports later) as leases in Redis that expire: one sorted
 * set per tenant and resource, a member per holder scored with its lease's expiry. Acquire,
 * renew and release are single scripts (atomic), and every acquire first drops expired
 * members, so a holder that crashed frees its slot when its lease runs out — no sweeper.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return {1, redis.call('ZCARD', KEYS[1]), 0}
end
local used = redis.call('ZCARD', KEYS[1])
if used >= tonumber(ARGV[4]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, used, tonumber(first[2]) - now}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return {1, used + 1, 0}
`;

export interface SlotLease {
  /** Extends the lease (call while the work goes on); false if it had expired and was taken. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface SlotOptions {
  /** Key namespace (the cell's queue prefix). */
  prefix: string;
  /** A lease not renewed within this long expires and frees its slot. */
  ttlMs: number;
  log?: Logger;
}

export class ConcurrencySlots {
  private readonly redis: Redis;
  private readonly o: SlotOptions;
  /** The per-process fallback while Redis is unreachable. */
  private readonly local = new Map<string, Map<string, number>>();

  constructor(redis: Redis, options: SlotOptions) {
    this.redis = redis;
    this.o = options;
  }

  private key(tenantId: string, resource: string): string {
    return `${this.o.prefix}:slots:${resource}:${tenantId}`;
  }

  /**
   * Takes one of the tenant's `limit` slots of `resource` for `holder` (taking it again
   * renews it). Over the limit: LimitExceeded (429) with the limit, the slots in use and the
   * seconds until the oldest lease expires (Retry-After).
   */
  async acquire(tenantId: string, resource: string, holder: string, limit: number): Promise<SlotLease> {
    const key = this.key(tenantId, resource);
    const [ok, used, waitMs] = await this.take(key, holder, limit);
    if (ok !== 1) {
      throw new LimitExceeded(`the plan allows ${limit} concurrent ${resource} at a time`, {
        resource,
        limit,
        used,
        retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    return {
      renew: async () => (await this.take(key, holder, limit))[0] === 1,
      release: () => this.release(tenantId, resource, holder),
    };
  }

  /**
   * The script in Redis; with Redis unreachable, the same rule in this process (a per-process
   * limit, logged): degraded, never unlimited, never a 500.
   */
  private async take(key: string, holder: string, limit: number): Promise<[number, number, number]> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // The cell's connection queues commands while Redis is away: wait a moment, not forever.
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer within 1 s')), 1_000);
      });
      return (await Promise.race([
        this.redis.eval(ACQUIRE, 1, key, String(Date.now()), String(this.o.ttlMs), holder, String(limit)),
        late,
      ])) as [number, number, number];
    } catch (err) {
      this.o.log?.warn('concurrency slots: Redis unreachable, limiting per process', { err: String(err) });
      const now = Date.now();
      const held = this.local.get(key) ?? new Map<string, number>();
      this.local.set(key, held);
      for (const [h, until] of held) if (until <= now) held.delete(h);
      if (!held.has(holder) && held.size >= limit) {
        return [0, held.size, Math.min(...held.values()) - now];
      }
      held.set(holder, now + this.o.ttlMs);
      return [1, held.size, 0];
    } finally {
      clearTimeout(timer);
    }
  }

  /** Frees a holder's slot (idempotent). */
  async release(tenantId: string, resource: string, holder: string): Promise<void> {
    this.local.get(this.key(tenantId, resource))?.delete(holder);
    // Not awaited: sent before any later command on this connection, and never stuck behind an outage.
    this.redis.zrem(this.key(tenantId, resource), holder).catch(() => {});
  }

  /** Slots of `resource` the tenant holds now (expired leases not counted). */
  async used(tenantId: string, resource: string): Promise<number> {
    return this.redis.zcount(this.key(tenantId, resource), `(${Date.now()}`, '+inf');
  }
}
