import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { bulkJobItems, bulkJobs } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

export type BulkJobRow = typeof bulkJobs.$inferSelect;
export type BulkItemRow = typeof bulkJobItems.$inferSelect;

export async function insertJob(
  tx: Tx,
  row: typeof bulkJobs.$inferInsert,
  items: { type: 'folder' | 'document'; id: string }[],
): Promise<BulkJobRow | undefined> {
  const [job] = await tx.insert(bulkJobs).values(row).onConflictDoNothing().returning();
  if (!job) return undefined;
  // One statement for up to 10,000 items.
  await tx.execute(sql`
    insert into bulk_job_items (tenant_id, job_id, seq, resource_type, resource_id)
    select ${row.tenantId}, ${row.id}, n, t, i
    from unnest(${`{${items.map((x) => x.type).join(',')}}`}::text[], ${`{${items.map((x) => x.id).join(',')}}`}::text[])
      with ordinality as u(t, i, n)`);
  return job;
}

export async function findJob(tx: Tx, tenantId: string, id: string): Promise<BulkJobRow | undefined> {
  const [row] = await tx
    .select()
    .from(bulkJobs)
    .where(and(eq(bulkJobs.tenantId, tenantId), eq(bulkJobs.id, id)));
  return row;
}

export async function findByKey(tx: Tx, tenantId: string, userId: string, key: string) {
  const [row] = await tx
    .select()
    .from(bulkJobs)
    .where(
      and(eq(bulkJobs.tenantId, tenantId), eq(bulkJobs.createdBy, userId), eq(bulkJobs.idempotencyKey, key)),
    );
  return row;
}

export async function listItems(
  tx: Tx,
  tenantId: string,
  jobId: string,
  o: { status?: BulkItemRow['status']; afterSeq?: number; limit: number },
) {
  return tx
    .select()
    .from(bulkJobItems)
    .where(
      and(
        eq(bulkJobItems.tenantId, tenantId),
        eq(bulkJobItems.jobId, jobId),
        o.status ? eq(bulkJobItems.status, o.status) : undefined,
        o.afterSeq !== undefined ? gt(bulkJobItems.seq, o.afterSeq) : undefined,
      ),
    )
    .orderBy(asc(bulkJobItems.seq))
    .limit(o.limit);
}

export async function updateJob(
  tx: Tx,
  tenantId: string,
  id: string,
  set: Partial<typeof bulkJobs.$inferInsert>,
) {
  const [row] = await tx
    .update(bulkJobs)
    .set(set)
    .where(and(eq(bulkJobs.tenantId, tenantId), eq(bulkJobs.id, id)))
    .returning();
  return row;
}

/**
 * Takes the job for this worker: a queued job, or a running one whose holder stopped renewing
 * its lease (crashed). Returns undefined when another worker holds it or it is finished.
 */
export async function claimJob(tx: Tx, tenantId: string, id: string, leaseSeconds: number) {
  const rows = await tx.execute<{ id: string }>(sql`
    update bulk_jobs set status = 'running', started_at = coalesce(started_at, now()),
      lease_until = now() + make_interval(secs => ${leaseSeconds})
    where tenant_id = ${tenantId} and id = ${id}
      and (status = 'queued' or (status = 'running' and (lease_until is null or lease_until < now())))
    returning id`);
  return rows.length === 1;
}

/** Jobs a worker should pick up: queued, or running with an expired lease (for the sweep). */
export async function orphanedJobs(tx: Tx, tenantId: string): Promise<string[]> {
  const rows = await tx.execute<{ id: string }>(sql`
    select id from bulk_jobs where tenant_id = ${tenantId}
      and (status = 'queued' or (status = 'running' and lease_until < now()))
    order by id limit 100`);
  return rows.map((r) => r.id);
}
