import { Conflict, QuireError } from '@quire/shared/errors';
import { CellCallError } from '../../../cell-api/client.ts';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import type { TenantRow } from '../../../db/schema/index.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { cellTarget } from '../../cells/target.ts';
import { type PushResult, pushToCell } from '../push.ts';
import { findTenant, updateTenantRow } from '../repo.ts';

export const DEFAULT_GRACE_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export interface OffboardResult {
  tenant: TenantRow;
  changed: boolean;
  /** The tenant export the cell made for the customer (its admins download it from the cell). */
  exportId: string | null;
}

/**
 * Starts offboarding: the home cell is asked first, and must agree (no legal hold; it makes the
 * tenant read-only and starts the customer's export); only then does the control plane record
 * `offboarding` with the end of the grace period. A cell that cannot be reached means no
 * offboarding now (503): a hold could not be checked. Again on an offboarding tenant: no change.
 */
export async function offboardTenant({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string };
}): Promise<OffboardResult> {
  const before = await findTenant(ctx.deps.db, input.idOrSlug);
  if (before.status !== 'active' && before.status !== 'suspended' && before.status !== 'offboarding')
    throw new Conflict(`tenant is ${before.status}; only an active or suspended tenant can be offboarded`, {
      reason: 'invalid_status',
      status: before.status,
    });
  let exportId: string | null = null;
  try {
    const answer = await ctx.deps.cells.beginOffboarding(
      await cellTarget(ctx.deps, before.cellId!),
      before.id,
    );
    exportId = answer.exportId;
  } catch (err) {
    if (!(err instanceof CellCallError)) throw err;
    if (err.status === 409)
      throw new Conflict('the home cell refuses: a legal hold is active', { reason: 'legal_hold' });
    throw new QuireError('unavailable', 'the home cell could not be reached; try again', {
      reason: 'cell_unreachable',
    });
  }
  const grace = ctx.deps.offboardingGraceDays ?? DEFAULT_GRACE_DAYS;
  return ctx.deps.db.transaction(async (tx) => {
    const row = await findTenant(tx, before.id, true);
    if (row.status === 'offboarding') return { tenant: row, changed: false, exportId };
    if (row.status !== 'active' && row.status !== 'suspended')
      throw new Conflict(`tenant is ${row.status}`, { reason: 'invalid_status', status: row.status });
    const now = ctx.deps.clock.now();
    const tenant = await updateTenantRow(tx, row.id, {
      status: 'offboarding',
      offboardingStartedAt: now,
      deleteAfter: new Date(now.getTime() + grace * DAY_MS),
      updatedAt: now,
    });
    await bumpVersions(tx, 'routing', 'config');
    await auditAction(tx, ctx, {
      action: 'tenants.offboard',
      targetType: 'tenant',
      targetId: row.id,
      details: { from: row.status, graceDays: grace, deleteAfter: tenant.deleteAfter!.toISOString() },
    });
    return { tenant, changed: true, exportId };
  });
}

/** Ends an offboarding during its grace period: the tenant is active again (and writable). */
export async function reactivateTenant({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string };
}): Promise<{ tenant: TenantRow; changed: boolean; push: PushResult | null }> {
  const tenant = await ctx.deps.db.transaction(async (tx) => {
    const row = await findTenant(tx, input.idOrSlug, true);
    if (row.status !== 'offboarding')
      throw new Conflict(`tenant is ${row.status}; only an offboarding tenant can be reactivated`, {
        reason: 'invalid_status',
        status: row.status,
      });
    const now = ctx.deps.clock.now();
    const updated = await updateTenantRow(tx, row.id, {
      status: 'active',
      offboardingStartedAt: null,
      deleteAfter: null,
      updatedAt: now,
    });
    await bumpVersions(tx, 'routing', 'config');
    await auditAction(tx, ctx, {
      action: 'tenants.reactivate',
      targetType: 'tenant',
      targetId: row.id,
      details: { from: 'offboarding', to: 'active' },
    });
    return updated;
  });
  return { tenant, changed: true, push: await pushToCell(ctx.deps, tenant, { status: 'active' }) };
}
