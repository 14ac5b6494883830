import { Conflict, Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import type { SearchQuery } from '../../adapters/search-index/port.ts';
import type { ActorRecord } from '../../auth/actor.ts';
import { pgArray } from '../../auth/policy.ts';
import type { CellDeps, RequestCtx } from '../../context.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { instant, instantOrNull } from '../../db/instants.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';
import type { CoarseType } from '../extraction/kinds.ts';
import { parseQuery } from '../search/query-parser.ts';
import type { HeldKind } from './check.ts';
import { resumeQueued } from './resume.ts';

/** A saved search matches at most this many documents (they are held one by one). */
export const MAX_SEARCH_MATCHES = 10_000;

export interface SavedSearch {
  q?: string;
  tags?: string[];
  folderId?: string;
  author?: string;
  types?: CoarseType[];
}

export interface CreateHoldInput {
  name: string;
  description?: string;
  documentIds?: string[];
  folderIds?: string[];
  custodianIds?: string[];
  search?: SavedSearch;
}

function assertAdmin(actor: ActorRecord): void {
  if (actor.role !== 'admin') throw new Forbidden('only tenant admins manage legal holds');
}

/** What a history event records: placed, what it held; blocked, the request it stopped; released, none. */
type HoldEventDetails =
  | { name: string; documents: number; folders: number; custodians: number; searchMatches: number }
  | { kind: HeldKind; targetId: string };

type HoldRow = {
  id: string;
  name: string;
  description: string;
  status: 'active' | 'released';
  search: SavedSearch | null;
  created_by: string;
  created_at: Date;
  released_by: string | null;
  released_at: Date | null;
};

function presentHold(h: HoldRow, items: { kind: string; target_id: string; source: string }[]) {
  const of = (kind: string) => items.filter((i) => i.kind === kind).map((i) => i.target_id);
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    status: h.status,
    documentIds: of('document'),
    folderIds: of('folder'),
    custodianIds: of('custodian'),
    search: h.search,
    searchMatches: items.filter((i) => i.source === 'search').length,
    createdBy: h.created_by,
    createdAt: instant(h.created_at),
    releasedBy: h.released_by,
    releasedAt: instantOrNull(h.released_at),
  };
}

/** Every document the saved search matches now (as an admin sees them). */
async function resolveSearch(deps: CellDeps, tenantId: string, s: SavedSearch): Promise<string[]> {
  const ids: string[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const query: SearchQuery = {
      text: parseQuery(s.q ?? '').text,
      filters: { tags: s.tags, folderId: s.folderId, authorId: s.author, types: s.types },
      access: { all: true },
      facets: [],
      sort: 'date',
      limit: 100,
      after,
      timeoutMs: 15_000,
    };
    const r = await deps.searchIndex.search(tenantId, query);
    ids.push(...r.hits.map((h) => h.documentId));
    if (!r.next || r.hits.length === 0) break;
    if (ids.length >= MAX_SEARCH_MATCHES)
      throw new Conflict(`the saved search matches more than ${MAX_SEARCH_MATCHES} documents: narrow it`);
    after = r.next;
  }
  return [...new Set(ids)];
}

async function assertExist(
  tx: Tx,
  tenantId: string,
  table: 'documents' | 'folders' | 'users',
  ids: string[],
) {
  if (ids.length === 0) return;
  const rows = await tx.execute<{ id: string }>(sql`
    select id from ${sql.identifier(table)} where tenant_id = ${tenantId} and id = any(${pgArray(ids)}::text[])`);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing)
    throw new NotFound(table.slice(0, -1), { resourceType: table.slice(0, -1), resourceId: missing });
}

async function itemsOf(tx: Tx, tenantId: string, holdId: string) {
  return tx.execute<{ kind: string; target_id: string; source: string }>(sql`
    select kind, target_id, source from legal_hold_items where tenant_id = ${tenantId} and hold_id = ${holdId}
    order by kind, target_id`);
}

async function findHold(tx: Tx, tenantId: string, id: string): Promise<HoldRow> {
  const [row] = await tx.execute<HoldRow>(
    sql`select * from legal_holds where tenant_id = ${tenantId} and id = ${id}`,
  );
  if (!row) throw new NotFound('legal hold', { resourceType: 'legal_hold', resourceId: id });
  return row;
}

/** Places a named hold; a saved search is resolved now and its matches held one by one. */
export async function createHold({ ctx, input }: { ctx: RequestCtx; input: CreateHoldInput }) {
  const tenantId = ctx.tenant.id;
  // Authorise before touching the index (the search is run as an admin would see it).
  await withActor(ctx, async ({ actor }) => assertAdmin(actor), { readOnly: true });
  const matches = input.search ? await resolveSearch(ctx.deps, tenantId, input.search) : [];
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const docs = [...new Set(input.documentIds ?? [])];
    const folders = [...new Set(input.folderIds ?? [])];
    const custodians = [...new Set(input.custodianIds ?? [])];
    await assertExist(tx, tenantId, 'documents', docs);
    await assertExist(tx, tenantId, 'folders', folders);
    await assertExist(tx, tenantId, 'users', custodians);
    const id = newId('legalHold');
    const [hold] = await tx
      .execute<HoldRow>(sql`
        insert into legal_holds (tenant_id, id, name, description, search, created_by)
        values (${tenantId}, ${id}, ${input.name}, ${input.description ?? ''},
                ${input.search ? JSON.stringify(input.search) : null}::jsonb, ${actor.userId})
        returning *`)
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new Conflict('an active hold with this name exists');
        throw err;
      });
    const rows = [
      ...docs.map((t) => ['document', t, 'explicit']),
      ...folders.map((t) => ['folder', t, 'explicit']),
      ...custodians.map((t) => ['custodian', t, 'explicit']),
      ...matches.filter((m) => !docs.includes(m)).map((t) => ['document', t, 'search']),
    ];
    if (rows.length)
      await tx.execute(sql`
        insert into legal_hold_items (tenant_id, hold_id, kind, target_id, source)
        select ${tenantId}, ${id}, x[1], x[2], x[3]
        from unnest(${pgArray(rows.map((r) => JSON.stringify(r)))}::jsonb[]) j,
             lateral (select array[j->>0, j->>1, j->>2] as x) y`);
    const details = {
      documents: docs.length,
      folders: folders.length,
      custodians: custodians.length,
      searchMatches: matches.length,
    };
    await tx.execute(sql`
      insert into legal_hold_events (tenant_id, hold_id, event, actor_id, details)
      values (${tenantId}, ${id}, 'placed', ${actor.userId}, ${JSON.stringify({ name: input.name, ...details })}::jsonb)`);
    audit({ action: 'legal_hold.placed', resourceType: 'legal_hold', resourceId: id, details });
    return presentHold(hold!, await itemsOf(tx, tenantId, id));
  });
}

export async function listHolds({ ctx, input }: { ctx: RequestCtx; input: { status?: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const holds = await tx.execute<HoldRow>(sql`
        select * from legal_holds where tenant_id = ${ctx.tenant.id}
          ${input.status ? sql`and status = ${input.status}` : sql``}
        order by id desc limit 500`);
      const items = holds.length
        ? await tx.execute<{ hold_id: string; kind: string; target_id: string; source: string }>(sql`
            select hold_id, kind, target_id, source from legal_hold_items
            where tenant_id = ${ctx.tenant.id} and hold_id = any(${pgArray(holds.map((h) => h.id))}::text[])`)
        : [];
      return {
        items: holds.map((h) =>
          presentHold(
            h,
            items.filter((i) => i.hold_id === h.id),
          ),
        ),
      };
    },
    { readOnly: true },
  );
}

export async function getHold({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const hold = await findHold(tx, ctx.tenant.id, input.id);
      return presentHold(hold, await itemsOf(tx, ctx.tenant.id, hold.id));
    },
    { readOnly: true },
  );
}

/**
 * Releases a hold; then the requests it stopped (deletions, bulk items, erasures) that no other
 * hold keeps are carried out, oldest first, and reported.
 */
export async function releaseHold({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const tenantId = ctx.tenant.id;
  const hold = await withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const row = await findHold(tx, tenantId, input.id);
    if (row.status !== 'active') throw new Conflict('the hold is already released');
    const [saved] = await tx.execute<HoldRow>(sql`
      update legal_holds set status = 'released', released_by = ${actor.userId}, released_at = now()
      where tenant_id = ${tenantId} and id = ${row.id} returning *`);
    await tx.execute(sql`
      insert into legal_hold_events (tenant_id, hold_id, event, actor_id) values (${tenantId}, ${row.id}, 'released', ${actor.userId})`);
    audit({ action: 'legal_hold.released', resourceType: 'legal_hold', resourceId: row.id });
    return presentHold(saved!, await itemsOf(tx, tenantId, row.id));
  });
  const resumed = await resumeQueued(ctx.deps, tenantId);
  return { ...hold, resumed };
}

/** The hold's history: placement, every request it stopped, release (JSON rows or CSV). */
export async function holdHistory({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const hold = await findHold(tx, ctx.tenant.id, input.id);
      const rows = await tx.execute<{
        id: string;
        event: 'placed' | 'blocked' | 'released';
        actor_id: string | null;
        details: HoldEventDetails | null;
        occurred_at: Date;
      }>(sql`
        select id::text, event, actor_id, details, occurred_at from legal_hold_events
        where tenant_id = ${ctx.tenant.id} and hold_id = ${hold.id} order by id`);
      return {
        holdId: hold.id,
        name: hold.name,
        events: rows.map((r) => ({
          id: r.id,
          event: r.event,
          actorId: r.actor_id,
          details: r.details,
          occurredAt: instant(r.occurred_at),
        })),
      };
    },
    { readOnly: true },
  );
}

export function historyCsv(h: Awaited<ReturnType<typeof holdHistory>>): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    // Quote every cell; a leading =, +, - or @ is prefixed so spreadsheets do not run it.
    return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"`;
  };
  const lines = [
    ['hold_id', 'hold_name', 'event_id', 'event', 'actor_id', 'occurred_at', 'details'].join(','),
  ];
  for (const e of h.events)
    lines.push([h.holdId, h.name, e.id, e.event, e.actorId, e.occurredAt, e.details].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Requests held back by holds (queued, resumed), oldest first. */
export async function listHeldRequests({ ctx, input }: { ctx: RequestCtx; input: { status?: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const rows = await tx.execute<{
        id: string;
        kind: HeldKind;
        target_id: string;
        requested_by: string;
        hold_ids: string[];
        status: 'queued' | 'resumed' | 'dropped';
        created_at: Date;
        resumed_at: Date | null;
        outcome: string | null;
      }>(sql`
        select id::text, kind, target_id, requested_by, hold_ids, status, created_at, resumed_at, outcome
        from held_requests where tenant_id = ${ctx.tenant.id}
          ${input.status ? sql`and status = ${input.status}` : sql``}
        order by id limit 1000`);
      return {
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          targetId: r.target_id,
          requestedBy: r.requested_by,
          holdIds: r.hold_ids,
          status: r.status,
          createdAt: instant(r.created_at),
          resumedAt: instantOrNull(r.resumed_at),
          outcome: r.outcome,
        })),
      };
    },
    { readOnly: true },
  );
}
