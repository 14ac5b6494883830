import { Conflict } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import { pgArray } from '../../auth/policy.ts';
import type { CellDeps } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { deliver, notify } from '../notifications/notify.ts';

/**
 * The one check every deletion path calls (documents, folder trash, bulk jobs, retention,
 * erasure, and tenant offboarding later): what of these is under an active legal hold, and by
 * which holds. A document is held when a hold names it, a folder above it, or its author as a
 * custodian (or when a saved search matched it at placement: stored as a document item).
 * Run inside the deleting transaction: a hold committed before it is seen, and the `FOR SHARE`
 * on the hold rows makes a hold released concurrently wait for the deletion to commit.
 */
export async function heldDocumentIds(
  tx: Tx,
  tenantId: string,
  documentIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (documentIds.length === 0) return out;
  const rows = await tx.execute<{ id: string; holds: string[] }>(sql`
    select d.id, array_agg(distinct h.id order by h.id) as holds
    from documents d
    left join folders f on f.tenant_id = d.tenant_id and f.id = d.folder_id
    join legal_hold_items i on i.tenant_id = d.tenant_id
    join legal_holds h on h.tenant_id = i.tenant_id and h.id = i.hold_id and h.status = 'active'
    where d.tenant_id = ${tenantId} and d.id = any(${pgArray(documentIds)}::text[])
      and ((i.kind = 'document' and i.target_id = d.id)
        or (i.kind = 'custodian' and i.target_id = d.created_by)
        or (i.kind = 'folder' and strpos(coalesce(f.path, ''), '/' || i.target_id || '/') > 0))
    group by d.id`);
  for (const r of rows) out.set(r.id, r.holds);
  return out;
}

/**
 * The tenant's active holds (ids, locked FOR SHARE until the transaction ends): tenant
 * offboarding refuses while there is any, since a purge would delete everything held.
 */
export async function activeHoldIds(tx: Tx, tenantId: string): Promise<string[]> {
  const rows = await tx.execute<{ id: string }>(sql`
    select id from legal_holds where tenant_id = ${tenantId} and status = 'active' order by id for share`);
  return rows.map((r) => r.id);
}

/** Folders that cannot go to the trash: held themselves or below a held folder, or holding a held document. */
export async function heldFolderIds(
  tx: Tx,
  tenantId: string,
  folderIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (folderIds.length === 0) return out;
  const rows = await tx.execute<{ id: string; holds: string[] }>(sql`
    with target as (
      select id, path from folders where tenant_id = ${tenantId} and id = any(${pgArray(folderIds)}::text[])),
    hits as (
      select t.id, h.id as hold_id
      from target t
      join legal_hold_items i on i.tenant_id = ${tenantId} and i.kind = 'folder'
        and strpos(t.path, '/' || i.target_id || '/') > 0
      join legal_holds h on h.tenant_id = i.tenant_id and h.id = i.hold_id and h.status = 'active'
      union
      select t.id, h.id
      from target t
      join folders f on f.tenant_id = ${tenantId} and f.path ~>=~ t.path and f.path ~<~ (left(t.path, -1) || '0')
      join documents d on d.tenant_id = f.tenant_id and d.folder_id = f.id
      join legal_hold_items i on i.tenant_id = d.tenant_id
      join legal_holds h on h.tenant_id = i.tenant_id and h.id = i.hold_id and h.status = 'active'
      where (i.kind = 'document' and i.target_id = d.id)
         or (i.kind = 'custodian' and i.target_id = d.created_by)
         or (i.kind = 'folder' and strpos(f.path, '/' || i.target_id || '/') > 0))
    select id, array_agg(distinct hold_id order by hold_id) as holds from hits group by id`);
  for (const r of rows) out.set(r.id, r.holds);
  return out;
}

/** Users who cannot be erased: named as custodians by an active hold. */
export async function heldCustodianIds(
  tx: Tx,
  tenantId: string,
  userIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (userIds.length === 0) return out;
  const rows = await tx.execute<{ id: string; holds: string[] }>(sql`
    select i.target_id as id, array_agg(distinct h.id order by h.id) as holds
    from legal_hold_items i
    join legal_holds h on h.tenant_id = i.tenant_id and h.id = i.hold_id and h.status = 'active'
    where i.tenant_id = ${tenantId} and i.kind = 'custodian' and i.target_id = any(${pgArray(userIds)}::text[])
    group by i.target_id`);
  for (const r of rows) out.set(r.id, r.holds);
  return out;
}

export type HeldKind =
  | 'document.trash'
  | 'document.delete'
  | 'folder.trash'
  | 'bulk.item'
  | 'retention.item'
  | 'erasure';

/**
 * Records a request a hold stops (queued, resumed in order on release), in the hold's history,
 * and tells the requester why (a `hold_blocked` notification). Returns what the commit owes
 * the requester's open sockets and mails (pass it to `deliver` after the commit).
 */
export async function queueHeldRequest(
  tx: Tx,
  deps: Pick<CellDeps, 'collab'>,
  input: { tenantId: string; kind: HeldKind; targetId: string; requestedBy: string; holdIds: string[] },
) {
  const [row] = await tx.execute<{ id: string }>(sql`
    insert into held_requests (tenant_id, kind, target_id, requested_by, hold_ids)
    values (${input.tenantId}, ${input.kind}, ${input.targetId}, ${input.requestedBy}, ${pgArray(input.holdIds)}::text[])
    on conflict (tenant_id, kind, target_id) where status = 'queued' do nothing
    returning id`);
  for (const holdId of input.holdIds) {
    await tx.execute(sql`
      insert into legal_hold_events (tenant_id, hold_id, event, actor_id, details)
      values (${input.tenantId}, ${holdId}, 'blocked', ${input.requestedBy},
              ${JSON.stringify({ kind: input.kind, targetId: input.targetId })}::jsonb)`);
  }
  const isUser = await tx.execute(sql`
    select 1 from users where tenant_id = ${input.tenantId} and id = ${input.requestedBy}`);
  const notified = isUser.length
    ? await notify(tx, deps, input.tenantId, [
        {
          userId: input.requestedBy,
          kind: 'hold_blocked',
          actorId: null,
          resourceType: input.kind.startsWith('document') ? 'document' : null,
          resourceId: input.kind.startsWith('document') ? input.targetId : null,
          data: { kind: input.kind, targetId: input.targetId, holdIds: input.holdIds, queued: true },
        },
      ])
    : null;
  return { queuedId: row ? String(row.id) : null, notified };
}

/**
 * For routes: the deletion is refused with 409 `conflict`, `details.reason = "legal_hold"`, after
 * the request was queued and the requester notified. Throw it AFTER the transaction that queued
 * the request committed (a verb returns a marker from its work, then throws this).
 * `details.holdIds` names the holds, `details.queued` says it runs when they are released.
 */
export function heldConflict(kind: HeldKind, targetId: string, holdIds: string[]): Conflict {
  return new Conflict(`${targetId} is under legal hold; the request is queued until the hold is released`, {
    reason: 'legal_hold',
    kind,
    holdIds,
    queued: true,
  });
}

export { deliver };

/** What a verb returns from its work when a hold stopped it: the request is queued (committed with it). */
export class Held {
  readonly kind: HeldKind;
  readonly targetId: string;
  readonly holdIds: string[];
  readonly notified: Awaited<ReturnType<typeof queueHeldRequest>>['notified'];

  constructor(
    kind: HeldKind,
    targetId: string,
    holdIds: string[],
    notified: Awaited<ReturnType<typeof queueHeldRequest>>['notified'],
  ) {
    this.kind = kind;
    this.targetId = targetId;
    this.holdIds = holdIds;
    this.notified = notified;
  }

  /** After the commit: tells the requester's open sockets and mail; the refusal to throw (409 `legal_hold`). */
  refusal(deps: Pick<CellDeps, 'redis' | 'collabQueue'>): Conflict {
    deliver(deps, this.notified ?? undefined);
    return heldConflict(this.kind, this.targetId, this.holdIds);
  }
}

/**
 * Inside a verb's work: queues the stopped request, notifies the requester and audits the
 * refusal (`legal_hold.blocked`), returning the marker the verb hands back out of its work.
 */
export async function blockedByHold(
  tx: Tx,
  deps: Pick<CellDeps, 'collab'>,
  audit: (entry: {
    action: string;
    resourceType: string;
    resourceId?: string | null;
    details?: Record<string, unknown>;
  }) => void,
  input: { tenantId: string; kind: HeldKind; targetId: string; requestedBy: string; holdIds: string[] },
): Promise<Held> {
  const { notified } = await queueHeldRequest(tx, deps, input);
  audit({
    action: 'legal_hold.blocked',
    resourceType: input.targetId.startsWith('fld_') ? 'folder' : 'document',
    resourceId: input.targetId,
    details: { kind: input.kind, holdIds: input.holdIds },
  });
  return new Held(input.kind, input.targetId, input.holdIds, notified);
}
