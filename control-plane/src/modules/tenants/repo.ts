import { NotFound } from '@quire/shared/errors';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { Conn, Tx } from '../../db/client.ts';
import { type TenantRow, tenants, tenantUsage } from '../../db/schema/index.ts';

/** By id (`ten_…`) or slug (the two never collide: a slug has no `_`); NotFound otherwise. */
export async function findTenant(conn: Conn, idOrSlug: string, lock = false): Promise<TenantRow> {
  const where = idOrSlug.startsWith('ten_') ? eq(tenants.id, idOrSlug) : eq(tenants.slug, idOrSlug);
  const q = conn.select().from(tenants).where(where);
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFound('tenant');
  return row;
}

export interface TenantFilter {
  region?: string | undefined;
  status?: string | undefined;
  cellId?: string | undefined;
  plan?: string | undefined;
  /** Cursor: ids after this one. */
  after?: string | undefined;
  limit: number;
}

/** By id; one row more than asked, so the caller knows whether there is a next page. */
export function selectTenants(conn: Conn, f: TenantFilter): Promise<TenantRow[]> {
  const where: SQL[] = [];
  if (f.region) where.push(eq(tenants.region, f.region));
  if (f.status) where.push(eq(tenants.status, f.status));
  if (f.cellId) where.push(eq(tenants.cellId, f.cellId));
  if (f.plan) where.push(eq(tenants.plan, f.plan));
  if (f.after) where.push(gt(tenants.id, f.after));
  return conn
    .select()
    .from(tenants)
    .where(and(...where))
    .orderBy(asc(tenants.id))
    .limit(f.limit + 1);
}

export async function updateTenantRow(
  tx: Tx,
  id: string,
  set: Partial<typeof tenants.$inferInsert>,
): Promise<TenantRow> {
  const [row] = await tx.update(tenants).set(set).where(eq(tenants.id, id)).returning();
  return row!;
}

/** The usage figures the tenant's home cell last reported (heartbeat), or null. */
export async function findUsage(conn: Conn, tenantId: string) {
  const [row] = await conn.select().from(tenantUsage).where(eq(tenantUsage.tenantId, tenantId));
  return row
    ? {
        storageBytes: row.storageBytes,
        documents: row.documents,
        users: row.users,
        reportedAt: row.reportedAt.toISOString(),
      }
    : null;
}
