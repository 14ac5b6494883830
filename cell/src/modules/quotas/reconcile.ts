import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { COUNTED, countUsage, type Usage } from './usage.ts';

export interface ReconcileReport {
  tenantId: string;
  /** What `tenant_usage` holds (null: no row yet; it is created from a count on first use). */
  stored: Usage | null;
  /** What the tenant's rows add up to now. */
  counted: Usage;
  /** counted - stored, per resource (0 everywhere: no drift). */
  drift: Usage;
  fixed: boolean;
}

/**
 * Recounts a tenant's usage from its rows and compares it with `tenant_usage`; with `fix`,
 * stores the count. The usage row is locked first: every change that alters usage holds
 * that lock until it commits, so the count (taken after the lock) sees each of them either
 * entirely or not at all.
 */
export async function reconcileUsage(db: Db, tenantId: string, fix: boolean): Promise<ReconcileReport> {
  return withTenantTx(db, tenantId, async (tx) => {
    const [row] = await tx.execute<{ storage_bytes: string; documents: string; users: string }>(
      sql`select storage_bytes, documents, users from tenant_usage where tenant_id = ${tenantId} for update`,
    );
    const counted = await countUsage(tx, tenantId);
    const stored: Usage | null = row
      ? { storage: Number(row.storage_bytes), documents: Number(row.documents), users: Number(row.users) }
      : null;
    const drift = Object.fromEntries(COUNTED.map((r) => [r, counted[r] - (stored?.[r] ?? 0)])) as Usage;
    const drifted = stored === null || COUNTED.some((r) => drift[r] !== 0);
    if (fix && drifted) {
      await tx.execute(sql`
        insert into tenant_usage (tenant_id, storage_bytes, documents, users)
        values (${tenantId}, ${counted.storage}, ${counted.documents}, ${counted.users})
        on conflict (tenant_id) do update set storage_bytes = excluded.storage_bytes,
          documents = excluded.documents, users = excluded.users, updated_at = now()`);
    }
    return { tenantId, stored, counted, drift, fixed: fix && drifted };
  });
}
