import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tenant-tx.ts';
import type { AuditEntry } from './entry.ts';

/**
 * Appends entries inside the caller's tenant transaction: the change and its record commit
 * together. No lock is taken (the sealer chains them later), so concurrent writers of one
 * tenant never wait for each other here. The entries must belong to the transaction's tenant.
 */
export function appendInTx(tx: Tx, entries: AuditEntry[]): Promise<unknown> {
  if (entries.length === 0) return Promise.resolve();
  // drizzle's query promise runs its statement again on every then(): take it exactly once,
  // now (so it is sent in order), and hand back a plain promise callers may await repeatedly.
  return tx.execute(sql`select audit_record(${JSON.stringify(entries)}::jsonb)`).then((r) => r);
}
