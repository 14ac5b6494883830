import { sql } from 'drizzle-orm';
import { appendInTx } from '../../audit-trail/append.ts';
import { auditEntry } from '../../audit-trail/entry.ts';
import type { CellDeps } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { type Notified, notify } from '../notifications/notify.ts';
import { type Emitted, emitEvent } from '../webhooks/events.ts';
import { presentJob } from './presenter.ts';
import { type BulkJobRow, updateJob } from './repo.ts';

/** A worker renews its hold on a job at every chunk; one silent this long is taken over. */
export const LEASE_SECONDS = 60;

export function jobOrigin(tenantId: string, jobId: string) {
  return { tenantId, requestId: jobId, ip: null, userAgent: null };
}

/** Ends a job: the rest of its items cancelled if it did not complete, its creator notified. */
export async function finish(
  deps: CellDeps,
  tx: Tx,
  job: BulkJobRow,
  status: 'done' | 'failed' | 'cancelled',
  reason?: string,
  result?: Record<string, unknown>,
): Promise<{ finished: true; job: ReturnType<typeof presentJob>; notified?: Notified; emitted?: Emitted }> {
  const tenantId = job.tenantId;
  if (status !== 'done') {
    await tx.execute(sql`
      update bulk_job_items set status = 'cancelled', error_code = ${status === 'failed' ? 'failed' : 'cancelled'},
        error_message = ${reason ?? null}
      where tenant_id = ${tenantId} and job_id = ${job.id} and status = 'pending'`);
  }
  const saved = (await updateJob(tx, tenantId, job.id, {
    status,
    finishedAt: new Date(),
    leaseUntil: null,
    ...(result || reason
      ? { result: { ...(job.result ?? {}), ...result, ...(reason ? { reason } : {}) } }
      : {}),
  }))!;
  await appendInTx(tx, [
    auditEntry(jobOrigin(tenantId, job.id), job.createdBy, {
      action: `bulk_job.${status === 'done' ? 'finished' : status}`,
      resourceType: 'bulk_job',
      resourceId: job.id,
      details: {
        kind: job.kind,
        done: saved.doneCount,
        failed: saved.failedCount,
        ...(reason ? { reason } : {}),
      },
    }),
  ]);
  const notified = await notify(tx, deps, tenantId, [
    {
      userId: job.createdBy,
      kind: job.kind === 'export' && status === 'done' ? 'export_ready' : 'bulk_done',
      actorId: null,
      resourceType: 'bulk_job',
      resourceId: job.id,
      data: {
        jobId: job.id,
        kind: job.kind,
        status,
        done: saved.doneCount,
        failed: saved.failedCount,
        total: saved.total,
      },
    },
  ]);
  const emitted = await emitEvent(tx, tenantId, 'bulk_job.finished', {
    jobId: job.id,
    kind: job.kind,
    status,
    done: saved.doneCount,
    failed: saved.failedCount,
  });
  return { finished: true, job: presentJob(saved), notified, emitted };
}
