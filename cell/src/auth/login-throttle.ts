import { RateLimited } from '@quire/shared/errors';
import type { Redis } from 'ioredis';

const MAX_FAILURES = 10;
const WINDOW_SECONDS = 15 * 60;

/**
 * Failed logins per tenant + client address, in the cell's Redis: after 10 failures in
 * 15 minutes that address is refused for the rest of the window, right or wrong password.
 */
export class LoginThrottle {
  private readonly redis: Redis;
  constructor(redis: Redis) {
    this.redis = redis;
  }

  private key(tenantId: string, ip: string | null) {
    return `quire:loginfail:${tenantId}:${ip ?? 'unknown'}`;
  }

  async assertAllowed(tenantId: string, ip: string | null): Promise<void> {
    const key = this.key(tenantId, ip);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
    if (Number(count ?? 0) >= MAX_FAILURES)
      throw new RateLimited(Math.max(ttl, 1), 'too many failed logins; try later');
  }

  async recordFailure(tenantId: string, ip: string | null): Promise<void> {
    const key = this.key(tenantId, ip);
    await this.redis.multi().incr(key).expire(key, WINDOW_SECONDS, 'NX').exec();
  }

  async reset(tenantId: string, ip: string | null): Promise<void> {
    await this.redis.del(this.key(tenantId, ip));
  }
}
