import type { Tx } from '../db/tenant-tx.ts';
import type { AuditEntry } from './entry.ts';

/**
 * Appends entries inside the caller's tenant transaction: the change and its record commit
 * together. No lock is taken (the sealer chains them later), so concurrent writers of one
 * tenant never wait for each other here. The entries must belong to the transaction's tenant.
 */
export function appendInTx(tx: Tx, entries: AuditEntry[]): Promise<unknown> {
  if (entries.length === 0) return Promise.resolve();
  // A raw statement, sent the moment it is created (ahead of a COMMIT sent after it) and run
  // once however often it is awaited. drizzle's `tx.execute()` is a thenable that runs its
  // statement again on every then/catch/await: withActor's `.catch()` then `await` ran the
  // append twice, the second time after the COMMIT, outside the transaction (every audited
  // write was recorded twice).
  return tx.conn`select audit_record(${JSON.stringify(entries)}::text::jsonb)`;
}
