import { PLAN_IDS, type PlanId } from '@quire/shared/plans';
import type { OpsCtx } from '../../../context.ts';
import { selectPlans } from '../repo.ts';

/** The plans in the design's order (standard, professional, enterprise). */
export async function listPlans({ ctx }: { ctx: OpsCtx }) {
  const rows = await selectPlans(ctx.deps.db);
  const order = (id: string) => PLAN_IDS.indexOf(id as PlanId);
  rows.sort((a, b) => order(a.id) - order(b.id));
  return { plans: rows.map((r) => ({ id: r.id as PlanId, limits: r.limits })) };
}
