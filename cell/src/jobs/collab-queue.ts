import type { Logger } from '@quire/shared/log';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The queue of the collaboration jobs (mail digests, bulk jobs, webhook deliveries). Every job
 * is small and names one tenant (`{ tenantId, … }`): Postgres holds the work, the job only says
 * where to look, so a lost job costs latency (the worker's sweep finds the work), never data.
 * Kept per tenant so a fair multi-tenant scheduler can take these entry points over.
 */
export const COLLAB_QUEUE = 'collab';

export type CollabJob =
  | { name: 'email-digest'; data: { tenantId: string; userId: string } }
  | { name: 'bulk-run'; data: { tenantId: string; jobId: string } }
  | { name: 'webhook-deliver'; data: { tenantId: string; deliveryId: string } }
  | { name: 'portability-export'; data: { tenantId: string; exportId: string } };

/** Batches mails: one job per user per this many milliseconds of due time. */
const EMAIL_BUCKET_MS = 10_000;

export class CollabQueue {
  private readonly queue: Queue;
  private readonly log: Logger;

  constructor(redis: Redis, prefix: string, log: Logger) {
    this.queue = new Queue(COLLAB_QUEUE, { connection: redis, prefix });
    this.log = log;
    this.queue.on('error', (err) => log.warn('collab queue error', { err: String(err) }));
  }

  /** The user's next mail, at `due` (jobs for the same user and moment coalesce). */
  email(tenantId: string, userId: string, due: Date): void {
    const bucket = Math.floor(due.getTime() / EMAIL_BUCKET_MS);
    this.add(
      { name: 'email-digest', data: { tenantId, userId } },
      `email-${tenantId}-${userId}-${bucket}`,
      Math.max(0, due.getTime() - Date.now()),
    );
  }

  bulk(tenantId: string, jobId: string): void {
    this.add({ name: 'bulk-run', data: { tenantId, jobId } }, `bulk-${tenantId}-${jobId}`, 0);
  }

  portability(tenantId: string, exportId: string): void {
    this.add(
      { name: 'portability-export', data: { tenantId, exportId } },
      `portability-${tenantId}-${exportId}`,
      0,
    );
  }

  webhook(tenantId: string, deliveryId: string, delayMs = 0): void {
    this.add(
      { name: 'webhook-deliver', data: { tenantId, deliveryId } },
      `webhook-${tenantId}-${deliveryId}-${Date.now() + delayMs}`,
      delayMs,
    );
  }

  private add(job: CollabJob, jobId: string, delay: number): void {
    this.queue
      .add(job.name, job.data, { jobId, delay, removeOnComplete: true, removeOnFail: 100 })
      .catch((err: unknown) =>
        this.log.warn('collab job not queued (the sweep will find it)', { err: String(err) }),
      );
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
