import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { pgArray } from '../../../auth/policy.ts';
import { accessRequests } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';

export type AccessRequestRow = typeof accessRequests.$inferSelect;

/** One pending request per person and resource: asking again returns the pending one. */
export async function upsertPending(
  tx: Tx,
  row: typeof accessRequests.$inferInsert,
): Promise<AccessRequestRow> {
  const [created] = await tx.insert(accessRequests).values(row).onConflictDoNothing().returning();
  if (created) return created;
  const [pending] = await tx
    .select()
    .from(accessRequests)
    .where(
      and(
        eq(accessRequests.tenantId, row.tenantId),
        eq(accessRequests.resourceId, row.resourceId),
        eq(accessRequests.requesterId, row.requesterId),
        eq(accessRequests.status, 'pending'),
      ),
    );
  return pending!;
}

export async function findRequest(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(accessRequests)
    .where(and(eq(accessRequests.tenantId, tenantId), eq(accessRequests.id, id)));
  return row;
}

export async function listRequests(
  tx: Tx,
  tenantId: string,
  o: { status: 'pending' | 'granted' | 'declined'; resourceId?: string; beforeId?: string; limit: number },
) {
  return tx
    .select()
    .from(accessRequests)
    .where(
      and(
        eq(accessRequests.tenantId, tenantId),
        eq(accessRequests.status, o.status),
        o.resourceId ? eq(accessRequests.resourceId, o.resourceId) : undefined,
        o.beforeId ? lt(accessRequests.id, o.beforeId) : undefined,
      ),
    )
    .orderBy(desc(accessRequests.id))
    .limit(o.limit);
}

export async function decide(tx: Tx, r: AccessRequestRow, status: 'granted' | 'declined', by: string) {
  const [row] = await tx
    .update(accessRequests)
    .set({ status, decidedBy: by, decidedAt: new Date() })
    .where(
      and(
        eq(accessRequests.tenantId, r.tenantId),
        eq(accessRequests.id, r.id),
        eq(accessRequests.status, 'pending'),
      ),
    )
    .returning();
  return row;
}

/**
 * Who can decide on a resource: active admins, and active users holding an owner grant (to
 * themselves or a group of theirs) on it or a folder above it, editors and admins by tenant role.
 */
export async function ownersOf(tx: Tx, tenantId: string, resourceIds: string[]): Promise<string[]> {
  const rows = await tx.execute<{ id: string }>(sql`
    select u.id from users u
    where u.tenant_id = ${tenantId} and u.status = 'active' and (
      u.role = 'admin' or (u.role <> 'viewer' and exists (
        select 1 from grants g
        where g.tenant_id = u.tenant_id and g.role = 'owner' and g.resource_id = any(${pgArray(resourceIds)}::text[])
          and (g.principal_id = u.id or g.principal_id in (
            select gm.group_id from group_members gm where gm.tenant_id = u.tenant_id and gm.user_id = u.id)))))
    order by u.id limit 200`);
  return rows.map((r) => r.id);
}
