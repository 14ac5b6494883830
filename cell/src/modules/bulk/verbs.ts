import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Conflict, NotFound, QuireError } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import type { ActorRecord } from '../../auth/actor.ts';
import type { RequestCtx } from '../../context.ts';
import type { BulkKind } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';
import { readExport } from './export.ts';
import { presentItem, presentJob } from './presenter.ts';
import { type BulkJobRow, findByKey, findJob, insertJob, listItems, updateJob } from './repo.ts';

export const MAX_BULK_ITEMS = 10_000;

export interface CreateBulkInput {
  kind: BulkKind;
  items: { type: 'folder' | 'document'; id: string }[];
  targetFolderId?: string | null;
  tags?: { add?: string[]; remove?: string[] };
  idempotencyKey?: string;
}

/**
 * A bulk job: recorded with its items in one transaction and run by the worker, so the
 * request answers at once (202) with the job to poll. The same Idempotency-Key with the same
 * request returns the first job; with another request it is refused.
 */
export async function createBulkJob({ ctx, input }: { ctx: RequestCtx; input: CreateBulkInput }) {
  const seen = new Set<string>();
  const items = input.items.filter((i) => !seen.has(i.id) && Boolean(seen.add(i.id)));
  const params =
    input.kind === 'move'
      ? { targetFolderId: input.targetFolderId ?? null }
      : input.kind === 'tag'
        ? { add: [...new Set(input.tags?.add ?? [])], remove: [...new Set(input.tags?.remove ?? [])] }
        : {};
  const requestHash = createHash('sha256')
    .update(JSON.stringify({ kind: input.kind, items, params }))
    .digest('hex');
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const tenantId = ctx.tenant.id;
    const replay = async () => {
      const existing = input.idempotencyKey
        ? await findByKey(tx, tenantId, actor.userId, input.idempotencyKey)
        : undefined;
      if (!existing) return undefined;
      if (existing.requestHash !== requestHash)
        throw new Conflict('this Idempotency-Key was used for another request');
      return existing;
    };
    const first = await replay();
    if (first) return { job: first, created: false };
    const job = await insertJob(
      tx,
      {
        tenantId,
        id: newId('bulkJob'),
        kind: input.kind,
        createdBy: actor.userId,
        idempotencyKey: input.idempotencyKey ?? null,
        requestHash,
        params,
        total: items.length,
      },
      items,
    );
    if (!job) return { job: (await replay())!, created: false };
    audit({
      action: 'bulk_job.created',
      resourceType: 'bulk_job',
      resourceId: job.id,
      details: { kind: input.kind, total: items.length, ...params },
    });
    // The run is enqueued with the job: a full queue (429 queue_full) refuses both.
    await ctx.deps.collabQueue.bulkInTx(tx, tenantId, job.id);
    return { job, created: true };
  });
  if (out.created) ctx.deps.collabQueue.ring();
  return { job: presentJob(out.job), created: out.created };
}

/** Only the job's creator sees it (a bulk export holds what they may read): others get 404. */
async function ownJob(tx: Tx, tenantId: string, actor: ActorRecord, id: string): Promise<BulkJobRow> {
  const job = await findJob(tx, tenantId, id);
  if (!job || job.createdBy !== actor.userId)
    throw new NotFound('bulk job', { resourceType: 'bulk_job', resourceId: id });
  return job;
}

export async function getBulkJob({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => presentJob(await ownJob(tx, ctx.tenant.id, actor, input.id)),
    {
      readOnly: true,
    },
  );
}

export async function listBulkItems({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; status?: 'pending' | 'done' | 'failed' | 'cancelled'; cursor?: number; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const job = await ownJob(tx, ctx.tenant.id, actor, input.id);
      const rows = await listItems(tx, ctx.tenant.id, job.id, {
        status: input.status,
        afterSeq: input.cursor,
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      return {
        items: page.map(presentItem),
        nextCursor: rows.length > input.limit ? String(page[page.length - 1]!.seq) : null,
      };
    },
    { readOnly: true },
  );
}

/** A queued job is cancelled at once; a running one stops after the item in hand. */
export async function cancelBulkJob({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const job = await ownJob(tx, ctx.tenant.id, actor, input.id);
    if (job.status === 'done' || job.status === 'failed' || job.status === 'cancelled')
      throw new Conflict(`the job is already ${job.status}`);
    audit({
      action: 'bulk_job.cancelled',
      resourceType: 'bulk_job',
      resourceId: job.id,
      details: { status: job.status },
    });
    if (job.status === 'queued') {
      // Items left: cancelled with the job.
      await tx.execute(sql`update bulk_job_items set status = 'cancelled'
        where tenant_id = ${ctx.tenant.id} and job_id = ${job.id} and status = 'pending'`);
      return presentJob(
        (await updateJob(tx, ctx.tenant.id, job.id, {
          status: 'cancelled',
          cancelRequestedAt: new Date(),
          finishedAt: new Date(),
        }))!,
      );
    }
    return presentJob((await updateJob(tx, ctx.tenant.id, job.id, { cancelRequestedAt: new Date() }))!);
  });
}

/** The zip of a finished export (decrypted as it streams); only for its creator. */
export async function downloadBulkResult({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string };
}): Promise<{ stream: Readable; size: number | null; jobId: string }> {
  const job = await withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const j = await ownJob(tx, ctx.tenant.id, actor, input.id);
      if (j.kind !== 'export' || j.status !== 'done' || !j.resultBlobKey)
        throw new QuireError('conflict', 'there is no export to download for this job');
      audit({ action: 'bulk_job.downloaded', resourceType: 'bulk_job', resourceId: j.id });
      return j;
    },
    { readOnly: true },
  );
  return { stream: await readExport(ctx.deps, job), size: null, jobId: job.id };
}
