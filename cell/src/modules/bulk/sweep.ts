import { sql } from 'drizzle-orm';
import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { orphanedJobs } from './repo.ts';
import { runBulkJob } from './run.ts';

/** Exports stay downloadable this long after they finish, then their zip is deleted. */
export const EXPORT_RETENTION_DAYS = 7;

/**
 * The worker's sweep, per tenant: jobs whose run was lost (queued without a job, or held by a
 * worker that stopped renewing its lease) are run; expired export zips are deleted.
 */
export async function sweepBulkJobs(
  deps: CellDeps,
  tenantId: string,
  /** What to do with a job whose run was lost (the worker process enqueues it on the scheduler). */
  resume: (jobId: string) => Promise<unknown> = (jobId) => runBulkJob(deps, { tenantId, jobId }),
): Promise<void> {
  const ids = await withTenantTx(deps.db, tenantId, (tx) => orphanedJobs(tx, tenantId), { readOnly: true });
  for (const jobId of ids) await resume(jobId);
  const expired = await withTenantTx(deps.db, tenantId, async (tx) => {
    const rows = await tx.execute<{ id: string; key: string }>(sql`
      select id, result_blob_key as key from bulk_jobs
      where tenant_id = ${tenantId} and result_blob_key is not null
        and finished_at < now() - make_interval(days => ${EXPORT_RETENTION_DAYS})
      for update`);
    for (const r of rows) {
      await tx.execute(sql`update bulk_jobs set result_blob_key = null, result_wrapped_key = null
        where tenant_id = ${tenantId} and id = ${r.id}`);
    }
    return rows;
  });
  // After the commit: a download can no longer reach the zip, so it may go.
  for (const e of expired) await deps.blobs.delete(e.key).catch(() => {});
}
