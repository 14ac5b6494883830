import { newId } from '@quire/shared/ids';
import { and, asc, eq, sql } from 'drizzle-orm';
import { grants } from '../db/schema/index.ts';
import type { Tx } from '../db/tenant-tx.ts';

export type GrantRow = typeof grants.$inferSelect;

/** Upsert: one grant per principal per resource; granting again changes the role. */
export async function insertGrant(tx: Tx, row: Omit<typeof grants.$inferInsert, 'id'>): Promise<GrantRow> {
  const [saved] = await tx
    .insert(grants)
    .values({ ...row, id: newId('grant') })
    .onConflictDoUpdate({
      target: [grants.tenantId, grants.resourceId, grants.principalId],
      set: { role: row.role },
    })
    .returning();
  return saved!;
}

export async function grantsOn(tx: Tx, tenantId: string, resourceId: string): Promise<GrantRow[]> {
  return tx
    .select()
    .from(grants)
    .where(and(eq(grants.tenantId, tenantId), eq(grants.resourceId, resourceId)))
    .orderBy(asc(grants.id));
}

export async function findGrant(tx: Tx, tenantId: string, id: string): Promise<GrantRow | undefined> {
  const [row] = await tx
    .select()
    .from(grants)
    .where(and(eq(grants.tenantId, tenantId), eq(grants.id, id)));
  return row;
}

export async function deleteGrant(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.delete(grants).where(and(eq(grants.tenantId, tenantId), eq(grants.id, id)));
}

/** Grants die with their resource. */
export async function deleteGrantsOn(tx: Tx, tenantId: string, resourceId: string): Promise<void> {
  await tx.execute(sql`delete from grants where tenant_id = ${tenantId} and resource_id = ${resourceId}`);
}

/**
 * Offboarding: everything a user owns (owner grants, which creators get) is owned by another
 * user too, in one statement per thousand grants. Returns how many resources moved.
 */
export async function transferOwnerGrants(
  tx: Tx,
  tenantId: string,
  fromUserId: string,
  toUserId: string,
  by: string,
): Promise<number> {
  const owned = await tx
    .select({ resourceType: grants.resourceType, resourceId: grants.resourceId })
    .from(grants)
    .where(and(eq(grants.tenantId, tenantId), eq(grants.principalId, fromUserId), eq(grants.role, 'owner')));
  for (let i = 0; i < owned.length; i += 1000) {
    await tx
      .insert(grants)
      .values(
        owned.slice(i, i + 1000).map((g) => ({
          tenantId,
          id: newId('grant'),
          resourceType: g.resourceType,
          resourceId: g.resourceId,
          principalType: 'user',
          principalId: toUserId,
          role: 'owner',
          createdBy: by,
        })),
      )
      .onConflictDoUpdate({
        target: [grants.tenantId, grants.resourceId, grants.principalId],
        set: { role: 'owner' },
      });
  }
  return owned.length;
}

/** Every grant naming a user (offboarding): they reach nothing through grants any more. */
export async function deleteGrantsHeldBy(tx: Tx, tenantId: string, userId: string): Promise<number> {
  const gone = await tx
    .delete(grants)
    .where(
      and(eq(grants.tenantId, tenantId), eq(grants.principalType, 'user'), eq(grants.principalId, userId)),
    )
    .returning({ id: grants.id });
  return gone.length;
}
