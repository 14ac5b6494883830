import type { Tx } from '../db/tenant-tx.ts';
import type { JobQueue } from './scheduler/queue.ts';

/**
 * The collaboration jobs (mail digests, bulk jobs, webhook deliveries), enqueued on the cell's
 * one scheduler (jobs/scheduler/). Every job is small and names one tenant: Postgres holds the
 * work, the job only says where to look, so a job lost before its commit (a crash between the
 * change and a fire-and-forget enqueue) costs latency (the worker's sweeps find the work),
 * never data.
 */
export type CollabJobKind =
  | 'email-digest'
  | 'bulk-run'
  | 'webhook-deliver'
  | 'erasure-run'
  | 'portability-export';

/** Batches mails: one job per user per this many milliseconds of due time. */
const EMAIL_BUCKET_MS = 10_000;

export class CollabQueue {
  private readonly jobs: JobQueue;

  constructor(jobs: JobQueue) {
    this.jobs = jobs;
  }

  /** The user's next mail, at `due` (jobs for the same user and moment coalesce). */
  email(tenantId: string, userId: string, due: Date): void {
    const bucket = Math.floor(due.getTime() / EMAIL_BUCKET_MS);
    this.jobs.fireAndForget({
      tenantId,
      kind: 'email-digest',
      key: `${userId}-${bucket}`,
      payload: { tenantId, userId },
      delayMs: Math.max(0, due.getTime() - Date.now()),
    });
  }

  /** A bulk job's run, in the transaction that creates the bulk job (a full queue refuses both). */
  async bulkInTx(tx: Tx, tenantId: string, jobId: string): Promise<void> {
    await this.jobs.enqueueInTx(tx, { tenantId, kind: 'bulk-run', key: jobId, payload: { tenantId, jobId } });
  }

  bulk(tenantId: string, jobId: string): void {
    this.jobs.fireAndForget({ tenantId, kind: 'bulk-run', key: jobId, payload: { tenantId, jobId } });
  }

  webhook(tenantId: string, deliveryId: string, delayMs = 0): void {
    this.jobs.fireAndForget({
      tenantId,
      kind: 'webhook-deliver',
      key: `${deliveryId}-${Date.now() + delayMs}`,
      payload: { tenantId, deliveryId },
      delayMs,
    });
  }

  /** An erasure request to execute (modules/erasure): its per-store executors, then the proof. */
  erasure(tenantId: string, erasureId: string, delayMs = 0): void {
    this.jobs.fireAndForget({
      tenantId,
      kind: 'erasure-run',
      key: `${erasureId}-${Date.now() + delayMs}`,
      payload: { tenantId, erasureId },
      delayMs,
    });
  }

  /** A portability export to build (modules/portability). */
  portability(tenantId: string, exportId: string): void {
    this.jobs.fireAndForget({
      tenantId,
      kind: 'portability-export',
      key: exportId,
      payload: { tenantId, exportId },
    });
  }

  /** Wakes the schedulers after a commit that enqueued in its transaction. */
  ring(): void {
    this.jobs.ring();
  }

  async close(): Promise<void> {}
}
