import { createHash } from 'node:crypto';
import { Conflict, Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import type { ActorRecord } from '../../auth/actor.ts';
import type { RequestCtx } from '../../context.ts';
import { instant, instantOrNull } from '../../db/instants.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';
import { deliver, heldCustodianIds, queueHeldRequest } from '../holds/check.ts';

/** Erasure deadlines: 30 days unless the admin sets an earlier one (GDPR art. 12(3): one month). */
export const DEFAULT_DEADLINE_DAYS = 30;

export function assertAdmin(actor: ActorRecord): void {
  if (actor.role !== 'admin') throw new Forbidden('only tenant admins manage erasure requests');
}

/** Lets an admin who knows a user id recognise a finished request that no longer names it. */
export function subjectFingerprint(tenantId: string, userId: string): string {
  return createHash('sha256').update(`${tenantId}\n${userId}`).digest('hex');
}

export type ErasureStore = 'redis' | 'search' | 'blobs' | 'postgres';

/** Kept on the request once every store was queried: per store, what was searched and how many traces. */
export interface ErasureProof {
  verifiedAt: string;
  verified: boolean;
  stores: { store: ErasureStore; query: string; count: number; where?: Record<string, number>; at: string }[];
}

export type ErasureRow = {
  id: string;
  user_id: string | null;
  subject_fingerprint: string;
  status: 'pending' | 'running' | 'held' | 'completed' | 'failed';
  requested_by: string;
  reassign_to: string | null;
  deadline: Date;
  attempts: number;
  last_error: string | null;
  steps: Partial<Record<ErasureStore, string>> & Record<string, unknown>;
  proof: ErasureProof | null;
  lease_until: Date | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
};

export function presentErasure(r: ErasureRow) {
  const steps: Partial<Record<ErasureStore, string>> = Object.fromEntries(
    Object.entries(r.steps ?? {}).filter(([k]) => ['redis', 'search', 'blobs', 'postgres'].includes(k)),
  );
  return {
    id: r.id,
    userId: r.user_id,
    subjectFingerprint: r.subject_fingerprint,
    status: r.status,
    requestedBy: r.requested_by,
    reassignTo: r.reassign_to,
    deadline: instant(r.deadline),
    overdue: r.status !== 'completed' && new Date(r.deadline).getTime() < Date.now(),
    attempts: r.attempts,
    lastError: r.last_error,
    steps,
    proof: r.proof ?? null,
    createdAt: instant(r.created_at),
    updatedAt: instant(r.updated_at),
    completedAt: instantOrNull(r.completed_at),
  };
}

export async function findErasure(tx: Tx, tenantId: string, id: string): Promise<ErasureRow | undefined> {
  const [row] = await tx.execute<ErasureRow>(sql`
    select * from erasure_requests where tenant_id = ${tenantId} and id = ${id}`);
  return row;
}

/**
 * An admin asks for a person's erasure. A custodian under legal hold cannot be erased: the
 * request is kept as `held` (queued behind the hold, the admin notified) and runs when the
 * holds are released. Otherwise the worker runs it (`erasure-run`).
 */
export async function requestErasure({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { userId: string; reassignTo?: string; deadline?: string };
}) {
  const tenantId = ctx.tenant.id;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const [user] = await tx.execute<{ id: string }>(sql`
      select id from users where tenant_id = ${tenantId} and id = ${input.userId}`);
    if (!user) throw new NotFound('user', { resourceType: 'user', resourceId: input.userId });
    if (input.reassignTo) {
      if (input.reassignTo === input.userId)
        throw new Conflict('documents cannot be reassigned to the person erased');
      const [to] = await tx.execute(sql`
        select 1 from users where tenant_id = ${tenantId} and id = ${input.reassignTo}
          and role = 'admin' and status = 'active'`);
      if (!to)
        throw new Conflict('documents are reassigned to an active tenant admin', {
          reason: 'reassign_not_admin',
        });
    }
    const deadline = input.deadline
      ? new Date(input.deadline)
      : new Date(Date.now() + DEFAULT_DEADLINE_DAYS * 86_400_000);
    const holds = (await heldCustodianIds(tx, tenantId, [input.userId])).get(input.userId) ?? [];
    const id = newId('erasureRequest');
    const rows = await tx.execute<ErasureRow>(sql`
      insert into erasure_requests (tenant_id, id, user_id, subject_fingerprint, status, requested_by, reassign_to, deadline)
      values (${tenantId}, ${id}, ${input.userId}, ${subjectFingerprint(tenantId, input.userId)},
              ${holds.length ? 'held' : 'pending'}, ${actor.userId}, ${input.reassignTo ?? null}, ${deadline.toISOString()})
      on conflict (tenant_id, user_id) where status in ('pending', 'held', 'running') do nothing
      returning *`);
    if (!rows[0]) throw new Conflict('an erasure of this user is already open', { reason: 'erasure_open' });
    // The entry names the request, never the person (their id would itself need erasing).
    audit({
      action: 'erasure.requested',
      resourceType: 'erasure_request',
      resourceId: id,
      details: { deadline: deadline.toISOString(), held: holds.length > 0 },
    });
    let notified = null;
    if (holds.length) {
      ({ notified } = await queueHeldRequest(tx, ctx.deps, {
        tenantId,
        kind: 'erasure',
        targetId: id,
        requestedBy: actor.userId,
        holdIds: holds,
      }));
      audit({
        action: 'erasure.held',
        resourceType: 'erasure_request',
        resourceId: id,
        details: { holdIds: holds },
      });
    }
    return { row: rows[0], notified };
  });
  deliver(ctx.deps, out.notified ?? undefined);
  if (out.row.status === 'pending') ctx.deps.collabQueue.erasure(tenantId, out.row.id);
  return presentErasure(out.row);
}

export async function listErasures({ ctx, input }: { ctx: RequestCtx; input: { status?: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const rows = await tx.execute<ErasureRow>(sql`
        select * from erasure_requests where tenant_id = ${ctx.tenant.id}
          ${input.status ? sql`and status = ${input.status}` : sql``}
        order by id desc limit 500`);
      return { items: rows.map(presentErasure) };
    },
    { readOnly: true },
  );
}

export async function getErasure({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const row = await findErasure(tx, ctx.tenant.id, input.id);
      if (!row)
        throw new NotFound('erasure request', { resourceType: 'erasure_request', resourceId: input.id });
      return presentErasure(row);
    },
    { readOnly: true },
  );
}
