import type { Logger } from '@quire/shared/log';
import type { Redis } from 'ioredis';
import { ringChannelOf } from './scheduler/queue.ts';

export function queuePrefix(cellId: string, configured?: string): string {
  return configured ?? `quire:${cellId}`;
}

/**
 * Wakes the cell's scheduler after a commit that wrote search outbox rows. Only a doorbell:
 * the rows are already durable, so a ring that is lost (Redis down, process killed before
 * it) costs latency, never an index entry; the scheduler also looks on a timer.
 */
export class SearchDoorbell {
  private readonly redis: Redis;
  private readonly channel: string;
  private readonly log: Logger;

  constructor(redis: Redis, prefix: string, log: Logger) {
    this.redis = redis;
    this.channel = ringChannelOf(prefix);
    this.log = log;
  }

  ring(): void {
    this.redis
      .publish(this.channel, 'search')
      .catch((err: unknown) =>
        this.log.warn('search doorbell lost (the scheduler will look anyway)', { err: String(err) }),
      );
  }

  async close(): Promise<void> {}
}
