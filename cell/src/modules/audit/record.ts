import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/tenant-tx.ts';

export interface AuditInput {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  actorType: 'user' | 'system' | 'internal';
  actorId: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Appends to the tenant's hash chain inside the caller's transaction: the change and its record commit together. */
export async function appendAudit(tx: Tx, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.execute(sql`select audit_append(${JSON.stringify(entries)}::jsonb)`);
}
