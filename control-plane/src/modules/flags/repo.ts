import { and, eq, inArray } from 'drizzle-orm';
import type { Conn, Tx } from '../../db/client.ts';
import { type FlagValue, flagDefinitions, planFlags, tenantFlags } from '../../db/schema/index.ts';

export function selectDefinitions(conn: Conn, keys?: string[]) {
  const q = conn.select().from(flagDefinitions);
  return (keys ? q.where(inArray(flagDefinitions.key, keys)) : q).orderBy(flagDefinitions.key);
}

export function selectPlanFlags(conn: Conn) {
  return conn.select().from(planFlags);
}

export async function upsertDefinition(
  tx: Tx,
  d: { key: string; description?: string | undefined; defaultValue: FlagValue; at: Date },
) {
  await tx
    .insert(flagDefinitions)
    .values({ key: d.key, description: d.description ?? '', defaultValue: d.defaultValue })
    .onConflictDoUpdate({
      target: flagDefinitions.key,
      set: {
        defaultValue: d.defaultValue,
        ...(d.description !== undefined ? { description: d.description } : {}),
        updatedAt: d.at,
      },
    });
}

/** Sets (or, with null, removes) a plan's value of a flag. */
export async function writePlanFlag(tx: Tx, planId: string, flagKey: string, value: FlagValue | null) {
  if (value === null) {
    await tx.delete(planFlags).where(and(eq(planFlags.planId, planId), eq(planFlags.flagKey, flagKey)));
    return;
  }
  await tx
    .insert(planFlags)
    .values({ planId, flagKey, value })
    .onConflictDoUpdate({ target: [planFlags.planId, planFlags.flagKey], set: { value } });
}

/** Sets (or, with null, removes) a tenant's value of a flag. */
export async function writeTenantFlag(tx: Tx, tenantId: string, flagKey: string, value: FlagValue | null) {
  if (value === null) {
    await tx
      .delete(tenantFlags)
      .where(and(eq(tenantFlags.tenantId, tenantId), eq(tenantFlags.flagKey, flagKey)));
    return;
  }
  await tx
    .insert(tenantFlags)
    .values({ tenantId, flagKey, value })
    .onConflictDoUpdate({ target: [tenantFlags.tenantId, tenantFlags.flagKey], set: { value } });
}
