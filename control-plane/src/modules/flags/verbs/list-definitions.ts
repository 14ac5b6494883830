import type { OpsCtx } from '../../../context.ts';
import { selectDefinitions, selectPlanFlags } from '../repo.ts';

/** Flag definitions with their per-plan values. */
export async function listDefinitions({ ctx }: { ctx: Pick<OpsCtx, 'deps'> }) {
  const defs = await selectDefinitions(ctx.deps.db);
  const perPlan = await selectPlanFlags(ctx.deps.db);
  const flags = defs.map((d) => ({
    key: d.key,
    description: d.description,
    default: d.defaultValue,
    plans: Object.fromEntries(perPlan.filter((p) => p.flagKey === d.key).map((p) => [p.planId, p.value])),
  }));
  return { flags };
}
