import { RateLimited } from '@quire/shared/errors';
import type { Redis } from 'ioredis';

const WINDOW_SECONDS = 10 * 60;
/** Failed link lookups (unknown token, wrong password) one address may make per window. */
export const MAX_FAILURES = 30;
/** Wrong passwords one link takes per window, from anywhere. */
export const MAX_PASSWORD_FAILURES = 10;

/**
 * Guessing is rate limited in the cell's Redis: per client address for any failed lookup,
 * and per link for wrong passwords (so a password cannot be guessed from many addresses).
 * Keys hold the address or the link id only, never a token.
 */
export class LinkGuard {
  private readonly redis: Redis;
  constructor(redis: Redis) {
    this.redis = redis;
  }

  private ipKey(ip: string | null) {
    return `quire:sharefail:ip:${ip ?? 'unknown'}`;
  }
  private linkKey(tenantId: string, linkId: string) {
    return `quire:sharefail:link:${tenantId}:${linkId}`;
  }

  async assertAllowed(ip: string | null): Promise<void> {
    await this.check(this.ipKey(ip), MAX_FAILURES, 'too many failed attempts from your address; try later');
  }

  async assertPasswordAllowed(tenantId: string, linkId: string): Promise<void> {
    await this.check(
      this.linkKey(tenantId, linkId),
      MAX_PASSWORD_FAILURES,
      'too many wrong passwords; try later',
    );
  }

  async failed(ip: string | null, link?: { tenantId: string; id: string }): Promise<void> {
    const multi = this.redis.multi().incr(this.ipKey(ip)).expire(this.ipKey(ip), WINDOW_SECONDS, 'NX');
    if (link) {
      const key = this.linkKey(link.tenantId, link.id);
      multi.incr(key).expire(key, WINDOW_SECONDS, 'NX');
    }
    await multi.exec();
  }

  private async check(key: string, max: number, message: string): Promise<void> {
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
    if (Number(count ?? 0) >= max) throw new RateLimited(Math.max(ttl, 1), message);
  }
}
