import { Forbidden } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';

export interface AuditQuery {
  actorId?: string;
  action?: string;
  resourceId?: string;
  from?: string;
  to?: string;
  /** Entries with seq below this (newest first). */
  before?: number;
  limit: number;
}

type Row = {
  seq: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: unknown;
};

/** Tenant admins read their audit log, newest first, with filters and a seq cursor. */
export async function queryAudit({ ctx, input }: { ctx: RequestCtx; input: AuditQuery }) {
  return withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      if (actor.role !== 'admin') throw new Forbidden('only tenant admins read the audit log');
      const t = ctx.tenant.id;
      const rows = await tx.execute<Row>(sql`
        select seq::text, occurred_at, actor_type, actor_id, action, resource_type, resource_id, host(ip) as ip,
               user_agent, request_id, details
        from audit_log
        where tenant_id = ${t}
          ${input.actorId ? sql`and actor_id = ${input.actorId}` : sql``}
          ${input.action ? sql`and action = ${input.action}` : sql``}
          ${input.resourceId ? sql`and resource_id = ${input.resourceId}` : sql``}
          ${input.from ? sql`and occurred_at >= ${input.from}` : sql``}
          ${input.to ? sql`and occurred_at < ${input.to}` : sql``}
          ${input.before ? sql`and seq < ${input.before}` : sql``}
        order by seq desc limit ${input.limit + 1}`);
      audit({
        action: 'audit.queried',
        resourceType: 'audit_log',
        details: { filters: { ...input, limit: undefined } },
      });
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((r) => ({
          seq: Number(r.seq),
          occurredAt: new Date(r.occurred_at).toISOString(),
          actor: { type: r.actor_type, id: r.actor_id },
          action: r.action,
          resource: { type: r.resource_type, id: r.resource_id },
          ip: r.ip,
          userAgent: r.user_agent,
          requestId: r.request_id,
          details: r.details,
        })),
        nextBefore: rows.length > input.limit ? Number(page[page.length - 1]!.seq) : null,
      };
    },
    { readAccessOnly: true },
  );
}

/** Recomputes the tenant's hash chain in the database: every link and every hash. */
export async function verifyAudit({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      if (actor.role !== 'admin') throw new Forbidden('only tenant admins verify the audit log');
      const [r] = await tx.execute<{ checked: string; first_bad: string | null; head_ok: boolean }>(sql`
        with chain as (
          select a.seq,
                 a.hash = sha256(a.prev_hash || audit_canonical(a)) as hash_ok,
                 a.prev_hash = coalesce(lag(a.hash) over w, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) as link_ok,
                 a.seq = coalesce(lag(a.seq) over w, 0) + 1 as seq_ok,
                 a.hash
          from audit_log a where a.tenant_id = ${ctx.tenant.id}
          window w as (order by a.seq))
        select count(*)::text as checked,
               min(seq) filter (where not (hash_ok and link_ok and seq_ok))::text as first_bad,
               coalesce((select h.seq = coalesce(max(c.seq), 0) from audit_heads h where h.tenant_id = ${ctx.tenant.id}), true) as head_ok
        from chain c`);
      const firstBad = r?.first_bad ? Number(r.first_bad) : null;
      return {
        ok: firstBad === null && Boolean(r?.head_ok),
        checked: Number(r?.checked ?? 0),
        firstBrokenSeq: firstBad,
      };
    },
    { readAccessOnly: true },
  );
}
