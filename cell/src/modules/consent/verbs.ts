import { Conflict, Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import type { ActorRecord } from '../../auth/actor.ts';
import type { RequestCtx } from '../../context.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { instant } from '../../db/instants.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';

function assertAdmin(actor: ActorRecord): void {
  if (actor.role !== 'admin') throw new Forbidden('only tenant admins manage consent purposes');
}

type PurposeRow = {
  id: string;
  key: string;
  name: string;
  text_version: string;
  description: string;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
};

type EventRow = {
  id: string;
  purpose_id: string;
  user_id: string;
  decision: 'granted' | 'withdrawn';
  text_version: string;
  ip: string | null;
  user_agent: string | null;
  occurred_at: Date | string;
};

const presentPurpose = (p: PurposeRow) => ({
  id: p.id,
  key: p.key,
  name: p.name,
  textVersion: p.text_version,
  description: p.description,
  createdAt: instant(p.created_at),
  updatedAt: instant(p.updated_at),
});

const presentEvent = (e: EventRow) => ({
  id: e.id,
  purposeId: e.purpose_id,
  userId: e.user_id,
  decision: e.decision,
  textVersion: e.text_version,
  ip: e.ip,
  userAgent: e.user_agent,
  occurredAt: instant(e.occurred_at),
});

async function findPurpose(tx: Tx, tenantId: string, id: string): Promise<PurposeRow> {
  const [p] = await tx.execute<PurposeRow>(
    sql`select * from consent_purposes where tenant_id = ${tenantId} and id = ${id}`,
  );
  if (!p) throw new NotFound('consent purpose', { resourceType: 'consent_purpose', resourceId: id });
  return p;
}

export async function createPurpose({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { key: string; name: string; textVersion: string; description?: string };
}) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const id = newId('consentPurpose');
    const [row] = await tx
      .execute<PurposeRow>(sql`
        insert into consent_purposes (tenant_id, id, key, name, text_version, description, created_by)
        values (${ctx.tenant.id}, ${id}, ${input.key}, ${input.name}, ${input.textVersion}, ${input.description ?? ''}, ${actor.userId})
        returning *`)
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new Conflict('a purpose with this key exists');
        throw err;
      });
    audit({
      action: 'consent.purpose_created',
      resourceType: 'consent_purpose',
      resourceId: id,
      details: { key: input.key, textVersion: input.textVersion },
    });
    return presentPurpose(row!);
  });
}

/** A new text version (or name): consents given to an older version stay as they were recorded. */
export async function updatePurpose({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; name?: string; textVersion?: string; description?: string };
}) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const p = await findPurpose(tx, ctx.tenant.id, input.id);
    const [row] = await tx.execute<PurposeRow>(sql`
      update consent_purposes set name = ${input.name ?? p.name}, text_version = ${input.textVersion ?? p.text_version},
        description = ${input.description ?? p.description}, updated_at = now()
      where tenant_id = ${ctx.tenant.id} and id = ${p.id} returning *`);
    audit({
      action: 'consent.purpose_updated',
      resourceType: 'consent_purpose',
      resourceId: p.id,
      details: { textVersion: row!.text_version },
    });
    return presentPurpose(row!);
  });
}

/** Every signed-in user may read the purposes (to answer them). */
export async function listPurposes({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx }) => {
      const rows = await tx.execute<PurposeRow>(sql`
        select * from consent_purposes where tenant_id = ${ctx.tenant.id} order by key`);
      return { items: rows.map(presentPurpose) };
    },
    { readOnly: true },
  );
}

/**
 * The caller grants or withdraws consent to a purpose, for the text version they were shown
 * (a grant must name the purpose's current version). Appended, with time, IP and user agent.
 */
export async function recordConsent({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { purposeId: string; decision: 'granted' | 'withdrawn'; textVersion: string };
}) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const p = await findPurpose(tx, ctx.tenant.id, input.purposeId);
    if (input.decision === 'granted' && input.textVersion !== p.text_version)
      throw new Conflict('the purpose text has changed: show the current version and ask again', {
        reason: 'stale_text_version',
        currentVersion: p.text_version,
      });
    const [row] = await tx.execute<EventRow>(sql`
      insert into consent_events (tenant_id, purpose_id, user_id, decision, text_version, ip, user_agent)
      values (${ctx.tenant.id}, ${p.id}, ${actor.userId}, ${input.decision}, ${input.textVersion},
              ${ctx.client.ip}::inet, ${ctx.client.userAgent})
      returning id::text, purpose_id, user_id, decision, text_version, host(ip) as ip, user_agent, occurred_at`);
    audit({
      action: `consent.${input.decision}`,
      resourceType: 'consent_purpose',
      resourceId: p.id,
      details: { textVersion: input.textVersion },
    });
    return presentEvent(row!);
  });
}

/** Current state: the latest decision per (user, purpose), optionally for one user and/or purpose. */
async function currentState(tx: Tx, tenantId: string, userId?: string, purposeId?: string) {
  const rows = await tx.execute<EventRow>(sql`
    select distinct on (e.user_id, e.purpose_id)
      e.id::text, e.purpose_id, e.user_id, e.decision, e.text_version, host(e.ip) as ip, e.user_agent, e.occurred_at
    from consent_events e
    where e.tenant_id = ${tenantId}
      ${userId ? sql`and e.user_id = ${userId}` : sql``}
      ${purposeId ? sql`and e.purpose_id = ${purposeId}` : sql``}
    order by e.user_id, e.purpose_id, e.id desc`);
  return rows.map(presentEvent);
}

async function history(tx: Tx, tenantId: string, userId?: string, purposeId?: string) {
  const rows = await tx.execute<EventRow>(sql`
    select e.id::text, e.purpose_id, e.user_id, e.decision, e.text_version, host(e.ip) as ip, e.user_agent, e.occurred_at
    from consent_events e where e.tenant_id = ${tenantId}
      ${userId ? sql`and e.user_id = ${userId}` : sql``}
      ${purposeId ? sql`and e.purpose_id = ${purposeId}` : sql``}
    order by e.id limit 100000`);
  return rows.map(presentEvent);
}

/** The caller's own consents: current state per purpose and the full history. */
export async function myConsents({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => ({
      current: await currentState(tx, ctx.tenant.id, actor.userId),
      history: await history(tx, ctx.tenant.id, actor.userId),
    }),
    { readOnly: true },
  );
}

/** Admins: current state per user and per purpose (filters optional). */
export async function consentState({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { userId?: string; purposeId?: string };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const items = await currentState(tx, ctx.tenant.id, input.userId, input.purposeId);
      const granted = (purposeId: string) =>
        items.filter((i) => i.purposeId === purposeId && i.decision === 'granted').length;
      const purposes = await tx.execute<PurposeRow>(sql`
        select * from consent_purposes where tenant_id = ${ctx.tenant.id}
          ${input.purposeId ? sql`and id = ${input.purposeId}` : sql``} order by key`);
      return {
        items,
        purposes: purposes.map((p) => ({ ...presentPurpose(p), granted: granted(p.id) })),
      };
    },
    { readOnly: true },
  );
}

/** Admins: the immutable history as a JSON export (purposes and every event), audited. */
export async function exportConsents({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { userId?: string; purposeId?: string };
}) {
  return withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      assertAdmin(actor);
      const purposes = await tx.execute<PurposeRow>(sql`
        select * from consent_purposes where tenant_id = ${ctx.tenant.id} order by key`);
      const events = await history(tx, ctx.tenant.id, input.userId, input.purposeId);
      audit({
        action: 'consent.exported',
        resourceType: 'consent_purpose',
        resourceId: input.purposeId ?? null,
        details: { events: events.length },
      });
      return {
        exportedAt: new Date().toISOString(),
        tenantId: ctx.tenant.id,
        purposes: purposes.map(presentPurpose),
        events,
      };
    },
    { readOnly: true },
  );
}
