import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import type { FlagValue } from '../../../db/schema/index.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { effectiveFlags } from '../../flags/effective.ts';
import { writeTenantFlags } from '../../flags/values.ts';
import { findTenant } from '../repo.ts';

/** A tenant's effective flags and where each value comes from (default → plan → tenant). */
export async function getTenantFlags({ ctx, input }: { ctx: OpsCtx; input: { idOrSlug: string } }) {
  const tenant = await findTenant(ctx.deps.db, input.idOrSlug);
  return { tenantId: tenant.id, flags: await effectiveFlags(ctx.deps.db, tenant) };
}

/** Sets the tenant's own flag values (null clears one); cells see them with the next config pull. */
export async function setTenantFlags({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string; flags: Record<string, FlagValue | null> };
}) {
  const tenant = await ctx.deps.db.transaction(async (tx) => {
    const tenant = await findTenant(tx, input.idOrSlug, true);
    await writeTenantFlags(tx, tenant.id, input.flags);
    await bumpVersions(tx, 'config');
    await auditAction(tx, ctx, {
      action: 'tenants.flags',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { flags: input.flags },
    });
    return tenant;
  });
  return { tenantId: tenant.id, flags: await effectiveFlags(ctx.deps.db, tenant) };
}
