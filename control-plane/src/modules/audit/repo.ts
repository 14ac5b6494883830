import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Conn } from '../../db/client.ts';
import { opsAudit } from '../../db/schema/index.ts';

export interface AuditQuery {
  action?: string | undefined;
  targetId?: string | undefined;
  actor?: string | undefined;
  outcome?: 'ok' | 'denied' | 'failed' | undefined;
  /** Entries with seq below this. */
  before?: number | undefined;
  limit: number;
}

/** Newest first; one row more than asked, so the caller knows whether there is a next page. */
export function selectAudit(conn: Conn, q: AuditQuery) {
  const where: SQL[] = [];
  if (q.action) where.push(eq(opsAudit.action, q.action));
  if (q.targetId) where.push(eq(opsAudit.targetId, q.targetId));
  if (q.actor) where.push(eq(opsAudit.actor, q.actor));
  if (q.outcome) where.push(eq(opsAudit.outcome, q.outcome));
  if (q.before) where.push(lt(opsAudit.seq, q.before));
  return conn
    .select()
    .from(opsAudit)
    .where(and(...where))
    .orderBy(desc(opsAudit.seq))
    .limit(q.limit + 1);
}
