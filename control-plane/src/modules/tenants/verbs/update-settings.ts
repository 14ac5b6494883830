import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { findTenant, updateTenantRow } from '../repo.ts';
import type { ChangeResult } from './set-status.ts';

/** Display name and strict residency (the edge enforces the latter: routing version). Nothing to push. */
export async function updateTenantSettings({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: { idOrSlug: string; displayName?: string | undefined; strictResidency?: boolean | undefined };
}): Promise<ChangeResult> {
  const { idOrSlug, ...fields } = input;
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return ctx.deps.db.transaction(async (tx) => {
    const before = await findTenant(tx, idOrSlug, true);
    const tenant = await updateTenantRow(tx, before.id, { ...set, updatedAt: ctx.deps.clock.now() });
    const residencyChanged =
      fields.strictResidency !== undefined && fields.strictResidency !== before.strictResidency;
    if (residencyChanged) await bumpVersions(tx, 'routing');
    await auditAction(tx, ctx, {
      action: 'tenants.update',
      targetType: 'tenant',
      targetId: before.id,
      details: {
        fields: Object.keys(set),
        ...(residencyChanged ? { strictResidency: fields.strictResidency } : {}),
      },
    });
    return { tenant, changed: true, push: null };
  });
}
