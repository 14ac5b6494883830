import type { Conn } from '../../db/client.ts';
import { opsAudit } from '../../db/schema/index.ts';

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

/** Appends to the ops audit; pass the transaction of the change so both commit together. */
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
