import { Conflict } from '@quire/shared/errors';
import type { PlanId } from '@quire/shared/plans';
import { canonicalJson } from '../../../canonical.ts';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { assertEngineServes } from '../../cells/capacity.ts';
import { documentsQuota, effectiveLimits } from '../../plans/limits.ts';
import { planLimits } from '../../plans/repo.ts';
import { pushToCell } from '../push.ts';
import { findTenant, updateTenantRow } from '../repo.ts';
import type { ChangeResult } from './set-status.ts';

/** null (unlimited) is more than any number. */
const raises = (before: number | null, after: number | null) =>
  before !== null && (after === null || after > before);

/**
 * Plan change with optional per-tenant overrides (given = replaces all overrides). A change
 * that raises the tenant's documents quota past what its home cell's search engine serves is
 * refused (409 `search_engine_capacity`); one that does not raise it never is, so a tenant
 * placed before the check existed can still move down.
 */
export async function setTenantPlan({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: {
    idOrSlug: string;
    plan: PlanId;
    overrides?: Record<string, number | null | undefined> | undefined;
  };
}): Promise<ChangeResult> {
  const { tenant, changed } = await ctx.deps.db.transaction(async (tx) => {
    const before = await findTenant(tx, input.idOrSlug, true);
    if (before.status !== 'active' && before.status !== 'suspended')
      throw new Conflict(`tenant is ${before.status}; its plan can change once it is active`, {
        reason: 'invalid_status',
        status: before.status,
      });
    const overrides = input.overrides
      ? (Object.fromEntries(Object.entries(input.overrides).filter(([, v]) => v !== undefined)) as Record<
          string,
          number | null
        >)
      : before.planOverrides;
    const changed =
      before.plan !== input.plan || canonicalJson(overrides) !== canonicalJson(before.planOverrides);
    const quota = async (plan: PlanId, o: Record<string, number | null>) =>
      documentsQuota(effectiveLimits((await planLimits(tx, plan)) ?? {}, o), plan);
    const documents = await quota(input.plan, overrides);
    if (before.cellId && raises(await quota(before.plan as PlanId, before.planOverrides), documents))
      await assertEngineServes(tx, {
        cellId: before.cellId,
        documents,
        why: `the ${input.plan} plan${Object.keys(overrides).length ? " with this tenant's overrides" : ''}`,
      });
    const tenant = await updateTenantRow(tx, before.id, {
      plan: input.plan,
      planOverrides: overrides,
      updatedAt: ctx.deps.clock.now(),
    });
    if (changed) await bumpVersions(tx, 'config');
    await auditAction(tx, ctx, {
      action: 'tenants.set-plan',
      targetType: 'tenant',
      targetId: before.id,
      details: { from: before.plan, to: input.plan, overrides, changed },
    });
    return { tenant, changed };
  });
  return { tenant, changed, push: await pushToCell(ctx.deps, tenant, { plan: tenant.plan as PlanId }) };
}
