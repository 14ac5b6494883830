import { Conflict } from '@quire/shared/errors';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import type { TenantRow } from '../../../db/schema/index.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { type PushResult, pushToCell } from '../push.ts';
import { findTenant, updateTenantRow } from '../repo.ts';

export interface ChangeResult {
  tenant: TenantRow;
  changed: boolean;
  push: PushResult | null;
}

/**
 * Suspend or resume: the control plane's record, the routing and config versions and the
 * audit commit together; then the home cell is told. Repeating it is a no-op that still
 * re-pushes (a previous push may have been missed).
 */
export async function setTenantStatus({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string; status: 'active' | 'suspended' };
}): Promise<ChangeResult> {
  const target = input.status;
  const { tenant, changed } = await ctx.deps.db.transaction(async (tx) => {
    const before = await findTenant(tx, input.idOrSlug, true);
    if (before.status !== 'active' && before.status !== 'suspended')
      throw new Conflict(
        `tenant is ${before.status}; only active or suspended tenants can be ${target === 'suspended' ? 'suspended' : 'resumed'}`,
        { reason: 'invalid_status', status: before.status },
      );
    const changed = before.status !== target;
    const tenant = changed
      ? await updateTenantRow(tx, before.id, { status: target, updatedAt: ctx.deps.clock.now() })
      : before;
    if (changed) await bumpVersions(tx, 'routing', 'config');
    await auditAction(tx, ctx, {
      action: target === 'suspended' ? 'tenants.suspend' : 'tenants.resume',
      targetType: 'tenant',
      targetId: before.id,
      details: { from: before.status, to: target, changed },
    });
    return { tenant, changed };
  });
  return { tenant, changed, push: await pushToCell(ctx.deps, tenant, { status: target }) };
}
