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
  return tx.execute(sql`select audit_record(${JSON.stringify(entries)}::jsonb)`);
}
