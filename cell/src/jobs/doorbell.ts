import type { Logger } from '@quire/shared/log';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The BullMQ queue of the search pipeline. Its jobs carry no data: the outbox is the queue. */
export const SEARCH_QUEUE = 'search-index';
export const DRAIN_JOB = 'drain';

export function queuePrefix(cellId: string, configured?: string): string {
  return configured ?? `quire:${cellId}`;
}

/**
 * Wakes a search worker after a commit that wrote outbox rows. Only a doorbell: the rows are
 * already durable, so a ring that is lost (Redis down, process killed before it) costs
 * latency, never an index entry; every worker also sweeps the outbox on a timer.
 *
 * Deduplicated with `keepLastIfActive`: at most one drain job waits and one runs; a ring
 * while a drain is running schedules exactly one more, so no commit is missed by a drain
 * that had already looked.
 */
export class SearchDoorbell {
  private readonly queue: Queue;
  private readonly log: Logger;

  constructor(redis: Redis, prefix: string, log: Logger) {
    this.queue = new Queue(SEARCH_QUEUE, { connection: redis, prefix });
    this.log = log;
    // Redis trouble must never take the API down: a lost ring is caught by the sweep.
    this.queue.on('error', (err) => log.warn('search doorbell queue error', { err: String(err) }));
  }

  ring(): void {
    this.queue
      .add(
        DRAIN_JOB,
        {},
        {
          deduplication: { id: DRAIN_JOB, keepLastIfActive: true },
          removeOnComplete: true,
          removeOnFail: 100,
        },
      )
      .catch((err: unknown) =>
        this.log.warn('search doorbell lost (the sweep will catch up)', { err: String(err) }),
      );
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
