import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface TxOptions {
  /**
   * For transactions that change nothing but the access log: commit without waiting
   * for the WAL flush. WAL order is kept, so the audit chain stays whole on a crash;
   * at most the last few hundred milliseconds of read-access entries can be lost.
   */
  readAccessOnly?: boolean;
}

/**
 * The only road from a repository to the database. It opens a transaction and binds the
 * tenant transaction-locally (`set_config(…, true)`), so RLS policies see it and a
 * pooled connection never carries it into the next request. No tenant, no query.
 */
export async function withTenantTx<T>(
  db: Db,
  tenantId: string,
  work: (tx: Tx) => Promise<T>,
  options: TxOptions = {},
): Promise<T> {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new Error('withTenantTx needs a tenant id: a query without tenant context is refused');
  }
  return db.transaction(async (tx) => {
    await tx.execute(
      options.readAccessOnly
        ? sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('synchronous_commit', 'off', true)`
        : sql`select set_config('app.tenant_id', ${tenantId}, true)`,
    );
    return work(tx);
  });
}
