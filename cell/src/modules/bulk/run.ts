import { QuireError } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import { appendInTx } from '../../audit-trail/append.ts';
import { type AuditInput, auditEntry } from '../../audit-trail/entry.ts';
import type { CellDeps } from '../../context.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { publishLive, userChannel } from '../../live/bus.ts';
import { ringSearch } from '../changes/outbox.ts';
import { queueHeldRequest } from '../holds/check.ts';
import { deliver, type Notified } from '../notifications/notify.ts';
import { dispatch, type Emitted } from '../webhooks/events.ts';
import { jobActor } from './actor.ts';
import { runExport } from './export.ts';
import { finish, jobOrigin, LEASE_SECONDS } from './finish.ts';
import { applyItem, type MoveTarget, moveTarget } from './ops.ts';
import { presentJob } from './presenter.ts';
import { type BulkItemRow, type BulkJobRow, claimJob, findJob } from './repo.ts';

/** Items done per transaction: progress commits (and is visible) this often. */
const CHUNK = 100;

/**
 * The worker's entry point for one bulk job (small and per tenant). Takes the job (lease),
 * then works through its pending items a chunk per transaction: each item in a savepoint with
 * its audit entries and outbox rows, its outcome recorded on the item, counters and lease
 * updated with the chunk. Cancellation is seen between chunks. A crash leaves the lease to
 * expire; the next run resumes with the items still pending, so a job is never done twice.
 */
export async function runBulkJob(deps: CellDeps, ref: { tenantId: string; jobId: string }): Promise<void> {
  const { tenantId, jobId } = ref;
  const claimed = await withTenantTx(deps.db, tenantId, (tx) => claimJob(tx, tenantId, jobId, LEASE_SECONDS));
  if (!claimed) return;
  const job = (await withTenantTx(deps.db, tenantId, (tx) => findJob(tx, tenantId, jobId)))!;
  if (job.kind === 'export') return runExport(deps, job);
  for (;;) {
    const step = await withTenantTx(deps.db, tenantId, (tx) => runChunk(deps, tx, job));
    ringSearch(deps);
    publishLive(deps.redis, userChannel(tenantId, job.createdBy), { type: 'bulk.progress', job: step.job });
    if (step.finished) {
      deliver(deps, step.notified);
      dispatch(deps, step.emitted);
      return;
    }
  }
}

async function runChunk(
  deps: CellDeps,
  tx: Tx,
  job: BulkJobRow,
): Promise<{
  finished: boolean;
  job: ReturnType<typeof presentJob>;
  notified?: Notified;
  emitted?: Emitted;
}> {
  const tenantId = job.tenantId;
  const current = (await findJob(tx, tenantId, job.id))!;
  const actor = await jobActor(tx, tenantId, job.createdBy);
  if (!actor || current.cancelRequestedAt) {
    return finish(
      deps,
      tx,
      current,
      actor ? 'cancelled' : 'failed',
      actor ? undefined : 'its creator is no longer active',
    );
  }
  const items = (await tx.execute(sql`
    select * from bulk_job_items where tenant_id = ${tenantId} and job_id = ${job.id} and status = 'pending'
    order by seq limit ${CHUNK} for update skip locked`)) as unknown as Record<string, unknown>[];
  if (items.length === 0) return finish(deps, tx, current, 'done');

  let target: MoveTarget | QuireError | null = null;
  if (job.kind === 'move') {
    target = await tx
      .transaction((sp) =>
        moveTarget(sp, tenantId, actor, (job.params.targetFolderId as string | null) ?? null),
      )
      .catch((err: unknown) => {
        if (err instanceof QuireError) return err;
        throw err;
      });
  }
  const audit: AuditInput[] = [];
  let done = 0;
  let failed = 0;
  for (const raw of items) {
    const item = {
      resourceType: raw.resource_type as BulkItemRow['resourceType'],
      resourceId: raw.resource_id as string,
    };
    let status: 'done' | 'failed' = 'done';
    let error: { code: string; message: string } | null = null;
    try {
      audit.push(...(await tx.transaction((sp) => applyItem(sp, tenantId, actor, current, item, target))));
      done += 1;
    } catch (err) {
      if (!(err instanceof QuireError))
        deps.log.error('bulk item failed unexpectedly', { tenantId, jobId: job.id, err: String(err) });
      status = 'failed';
      error =
        err instanceof QuireError
          ? { code: err.code, message: err.message }
          : { code: 'internal', message: 'internal error' };
      failed += 1;
      // Stopped by a legal hold: queued behind it (resumed on release) and the creator told.
      const held =
        err instanceof QuireError
          ? (err.details as { reason?: string; holdIds?: string[] } | undefined)
          : undefined;
      if (held?.reason === 'legal_hold') {
        const { notified } = await queueHeldRequest(tx, deps, {
          tenantId,
          kind: 'bulk.item',
          targetId: item.resourceId,
          requestedBy: actor.userId,
          holdIds: held.holdIds ?? [],
        });
        deliver(deps, notified ?? undefined);
      }
    }
    await tx.execute(sql`
      update bulk_job_items set status = ${status}, error_code = ${error?.code ?? null}, error_message = ${error?.message ?? null}
      where tenant_id = ${tenantId} and job_id = ${job.id} and seq = ${raw.seq as number}`);
  }
  const saved = (await tx.execute(sql`
    update bulk_jobs set done_count = done_count + ${done}, failed_count = failed_count + ${failed},
      lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
    where tenant_id = ${tenantId} and id = ${job.id} returning id`)) as unknown as unknown[];
  if (saved.length !== 1) throw new Error('bulk job vanished');
  await appendInTx(
    tx,
    audit.map((a) => auditEntry(jobOrigin(tenantId, job.id), actor.userId, a)),
  );
  return { finished: false, job: presentJob((await findJob(tx, tenantId, job.id))!) };
}
