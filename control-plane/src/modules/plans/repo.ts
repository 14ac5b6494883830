import { eq } from 'drizzle-orm';
import type { Conn, Tx } from '../../db/client.ts';
import { plans } from '../../db/schema/index.ts';

export type PlanRow = typeof plans.$inferSelect;

export function selectPlans(conn: Conn): Promise<PlanRow[]> {
  return conn.select().from(plans);
}

/** A plan's limits as ops set them (null = unlimited); null when there is no such plan. */
export async function planLimits(conn: Conn, id: string): Promise<Record<string, number | null> | null> {
  const [row] = await conn.select({ limits: plans.limits }).from(plans).where(eq(plans.id, id));
  return row?.limits ?? null;
}

export async function updatePlanLimits(
  tx: Tx,
  id: string,
  limits: Record<string, number | null>,
  at: Date,
): Promise<PlanRow | null> {
  const [row] = await tx.update(plans).set({ limits, updatedAt: at }).where(eq(plans.id, id)).returning();
  return row ?? null;
}
