import type { OpsCtx } from '../context.ts';
import type { Conn } from './client.ts';
import { opsAudit } from './schema/index.ts';

export interface AuditEntry {
  actor: string;
  actorRole?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  requestId?: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  /** Non-personal facts only: ids, plans, regions, steps. Never an email, a name or a credential. */
  details?: Record<string, unknown>;
}

/**
 * Appends to the ops audit; pass the transaction of the change so both commit together.
 * Core, beside the version counters: every module writes here, and the audit module only reads.
 */
export async function appendAudit(conn: Conn, entry: AuditEntry): Promise<void> {
  await conn.insert(opsAudit).values({
    actor: entry.actor,
    actorRole: entry.actorRole ?? null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    requestId: entry.requestId ?? null,
    outcome: entry.outcome,
    details: entry.details ?? {},
  });
}

/** A successful admin action of the request in `ctx`: who, what, on what, and non-personal details. */
export function auditAction(
  conn: Conn,
  ctx: OpsCtx,
  entry: { action: string; targetType: string; targetId: string; details?: Record<string, unknown> },
): Promise<void> {
  return appendAudit(conn, {
    ...entry,
    actor: ctx.actor.id,
    actorRole: ctx.actor.role,
    requestId: ctx.requestId,
    outcome: 'ok',
  });
}
