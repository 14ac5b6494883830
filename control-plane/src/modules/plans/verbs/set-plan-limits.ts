import { NotFound } from '@quire/shared/errors';
import type { PlanId } from '@quire/shared/plans';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { updatePlanLimits } from '../repo.ts';

/** New limits for a plan; cells pick them up with their next config pull (config version). */
export async function setPlanLimits({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { id: PlanId; limits: Record<string, number | null> };
}) {
  const row = await ctx.deps.db.transaction(async (tx) => {
    const row = await updatePlanLimits(tx, input.id, input.limits, ctx.deps.clock.now());
    if (!row) throw new NotFound('plan');
    await bumpVersions(tx, 'config');
    await auditAction(tx, ctx, {
      action: 'plans.write',
      targetType: 'plan',
      targetId: input.id,
      details: { limits: input.limits },
    });
    return row;
  });
  return { plan: { id: input.id, limits: row.limits } };
}
