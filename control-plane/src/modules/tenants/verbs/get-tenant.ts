import type { OpsCtx } from '../../../context.ts';
import { effectiveFlags, flagRecord } from '../../flags/effective.ts';
import { effectiveLimits } from '../../plans/limits.ts';
import { planLimits } from '../../plans/repo.ts';
import { presentJob } from '../../provisioning/presenter.ts';
import { findJob } from '../../provisioning/repo.ts';
import { presentTenant } from '../presenter.ts';
import { findTenant, findUsage } from '../repo.ts';

/** One tenant: settings, provisioning progress, effective limits and flags, usage figures. */
export async function getTenant({ ctx, input }: { ctx: OpsCtx; input: { idOrSlug: string } }) {
  const db = ctx.deps.db;
  const tenant = await findTenant(db, input.idOrSlug);
  const job = await findJob(db, tenant.id);
  return {
    tenant: presentTenant(tenant),
    job: job ? presentJob(job) : null,
    limits: effectiveLimits((await planLimits(db, tenant.plan)) ?? {}, tenant.planOverrides),
    flags: flagRecord(await effectiveFlags(db, tenant)),
    usage: await findUsage(db, tenant.id),
  };
}
