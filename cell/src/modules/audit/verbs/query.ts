import { Forbidden } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';

export interface AuditQuery {
  actorId?: string;
  action?: string;
  resourceId?: string;
  /** ISO 8601 in UTC, within the database's range (shared/input/instant.ts). */
  from?: string;
  to?: string;
  /** Entries with an id below this (newest first). */
  before?: number;
  limit: number;
}

type Row = {
  id: string;
  seq: string | null;
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

/**
 * Tenant admins read their audit log, newest first, with filters and an id cursor. An
 * entry carries its place in the chain (`seq`) once the sealer has chained it, null before.
 */
export async function queryAudit({ ctx, input }: { ctx: RequestCtx; input: AuditQuery }) {
  return withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      if (actor.role !== 'admin') throw new Forbidden('only tenant admins read the audit log');
      const t = ctx.tenant.id;
      const rows = await tx.execute<Row>(sql`
        select a.id::text, c.seq::text, a.occurred_at, a.actor_type, a.actor_id, a.action, a.resource_type,
               a.resource_id, host(a.ip) as ip, a.user_agent, a.request_id, a.details
        from audit_log a
        left join audit_chain c on c.tenant_id = a.tenant_id and c.entry_id = a.id
        where a.tenant_id = ${t}
          ${input.actorId ? sql`and a.actor_id = ${input.actorId}` : sql``}
          ${input.action ? sql`and a.action = ${input.action}` : sql``}
          ${input.resourceId ? sql`and a.resource_id = ${input.resourceId}` : sql``}
          ${input.from ? sql`and a.occurred_at >= ${input.from}` : sql``}
          ${input.to ? sql`and a.occurred_at < ${input.to}` : sql``}
          ${input.before ? sql`and a.id < ${input.before}` : sql``}
        order by a.id desc limit ${input.limit + 1}`);
      audit({
        action: 'audit.queried',
        resourceType: 'audit_log',
        details: { filters: { ...input, limit: undefined } },
      });
      const page = rows.slice(0, input.limit);
      return {
        items: page.map((r) => ({
          id: Number(r.id),
          seq: r.seq === null ? null : Number(r.seq),
          occurredAt: new Date(r.occurred_at).toISOString(),
          actor: { type: r.actor_type, id: r.actor_id },
          action: r.action,
          resource: { type: r.resource_type, id: r.resource_id },
          ip: r.ip,
          userAgent: r.user_agent,
          requestId: r.request_id,
          details: r.details,
        })),
        nextBefore: rows.length > input.limit ? Number(page[page.length - 1]!.id) : null,
      };
    },
    { readOnly: true },
  );
}
