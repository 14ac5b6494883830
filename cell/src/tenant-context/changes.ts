import type { Logger } from '@quire/shared/log';
import type { Redis } from 'ioredis';

/**
 * Tells every API process of this cell that a tenant changed (suspended, resumed, plan), over
 * Redis pub/sub, so each drops its cached record at once instead of within the cache's TTL.
 * Losing a message (Redis down) only falls back to the TTL.
 */
export class TenantChanges {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly log: Logger;

  constructor(redis: Redis, cellId: string, log: Logger) {
    this.redis = redis;
    this.subscriber = redis.duplicate();
    this.channel = `quire:${cellId}:tenant-changed`;
    this.log = log;
  }

  /** Calls `onChange` with the tenant id of every change announced by any process of the cell. */
  async listen(onChange: (tenantId: string) => void): Promise<void> {
    this.subscriber.on('message', (channel: string, tenantId: string) => {
      if (channel === this.channel) onChange(tenantId);
    });
    await this.subscriber.subscribe(this.channel);
  }

  announce(tenantId: string): void {
    this.redis.publish(this.channel, tenantId).catch((err: unknown) => {
      this.log.warn('tenant change not announced; other processes see it within the cache TTL', {
        tenantId,
        err: String(err),
      });
    });
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
