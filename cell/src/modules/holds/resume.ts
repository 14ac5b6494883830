import { sql } from 'drizzle-orm';
import { type ActorRecord, actingFor } from '../../auth/actor.ts';
import type { CellDeps } from '../../context.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { type HeldKind, heldCustodianIds, heldDocumentIds, heldFolderIds } from './check.ts';

/** A request a hold stopped, as `held_requests` keeps it. */
export interface HeldRequest {
  id: string;
  kind: HeldKind;
  targetId: string;
  requestedBy: string;
}

/**
 * How a queued request is carried out once nothing holds it any more; returns its outcome.
 * The modules that own each deletion provide these (wired by the composition roots: app.ts,
 * worker.ts), so this module imports none of them.
 */
export type Resumer = (deps: CellDeps, tenantId: string, request: HeldRequest) => Promise<string>;
const resumers = new Map<HeldKind, Resumer>();

export function setResumers(map: Partial<Record<HeldKind, Resumer>>): void {
  for (const [kind, fn] of Object.entries(map)) resumers.set(kind as HeldKind, fn);
}

/**
 * Who a resumed request acts as: the requester with their rights as they are now (someone
 * disabled since has nothing resumed), or the system for retention runs (`retention`).
 */
export async function requesterActor(tx: Tx, tenantId: string, userId: string): Promise<ActorRecord | null> {
  if (userId === 'retention') return actingFor({ userId: 'retention', role: 'admin', principalIds: [] });
  const [row] = await tx.execute<{ role: 'viewer' | 'editor' | 'admin'; groups: string[] }>(sql`
    select u.role, coalesce(array_agg(gm.group_id) filter (where gm.group_id is not null), '{}') as groups
    from users u left join group_members gm on gm.tenant_id = u.tenant_id and gm.user_id = u.id
    where u.tenant_id = ${tenantId} and u.id = ${userId} and u.status = 'active'
    group by u.role`);
  return row ? actingFor({ userId, role: row.role, principalIds: [userId, ...row.groups] }) : null;
}

/** Is the target still held by some other active hold? */
async function stillHeld(tx: Tx, tenantId: string, r: HeldRequest): Promise<string[]> {
  if (r.kind === 'erasure') {
    const [e] = await tx.execute<{ user_id: string | null }>(sql`
      select user_id from erasure_requests where tenant_id = ${tenantId} and id = ${r.targetId}`);
    if (!e?.user_id) return [];
    return (await heldCustodianIds(tx, tenantId, [e.user_id])).get(e.user_id) ?? [];
  }
  if (r.targetId.startsWith('fld_'))
    return (await heldFolderIds(tx, tenantId, [r.targetId])).get(r.targetId) ?? [];
  return (await heldDocumentIds(tx, tenantId, [r.targetId])).get(r.targetId) ?? [];
}

/** An erasure waits in `held`; released, it becomes `pending` and goes to the worker. */
const resumeErasure: Resumer = async (deps, tenantId, r) => {
  const rows = await withTenantTx(deps.db, tenantId, (tx) =>
    tx.execute(sql`update erasure_requests set status = 'pending', updated_at = now()
      where tenant_id = ${tenantId} and id = ${r.targetId} and status = 'held' returning id`),
  );
  if (rows.length) deps.collabQueue.erasure(tenantId, r.targetId);
  return rows.length ? 'erasure pending' : 'erasure no longer held';
};

/**
 * After a release: the queued requests nothing holds any more, oldest first, each carried out
 * by its resumer (a failure is recorded as the outcome; the request is not retried). Requests
 * still held by another hold stay queued.
 */
export async function resumeQueued(
  deps: CellDeps,
  tenantId: string,
): Promise<{ id: string; outcome: string }[]> {
  const queued = await withTenantTx(
    deps.db,
    tenantId,
    (tx) =>
      tx.execute<{ id: string; kind: HeldKind; target_id: string; requested_by: string }>(sql`
        select id::text, kind, target_id, requested_by from held_requests
        where tenant_id = ${tenantId} and status = 'queued' order by id`),
    { readOnly: true },
  );
  const done: { id: string; outcome: string }[] = [];
  for (const q of queued) {
    const r: HeldRequest = { id: q.id, kind: q.kind, targetId: q.target_id, requestedBy: q.requested_by };
    const claimed = await withTenantTx(deps.db, tenantId, async (tx) => {
      if ((await stillHeld(tx, tenantId, r)).length) return false;
      const rows = await tx.execute(sql`update held_requests set status = 'resumed', resumed_at = now()
        where tenant_id = ${tenantId} and id = ${r.id} and status = 'queued' returning id`);
      return rows.length > 0;
    });
    if (!claimed) continue;
    const fn = r.kind === 'erasure' ? resumeErasure : resumers.get(r.kind);
    let outcome: string;
    try {
      outcome = fn ? await fn(deps, tenantId, r) : 'no resumer for this kind';
    } catch (err) {
      outcome = `failed: ${String((err as Error).message ?? err).slice(0, 200)}`;
    }
    await withTenantTx(deps.db, tenantId, (tx) =>
      tx.execute(
        sql`update held_requests set outcome = ${outcome} where tenant_id = ${tenantId} and id = ${r.id}`,
      ),
    );
    done.push({ id: r.id, outcome });
  }
  return done;
}
