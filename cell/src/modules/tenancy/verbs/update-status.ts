import { NotFound } from '@quire/shared/errors';
import type { PlanId } from '@quire/shared/plans';
import { eq } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import type { CellDeps } from '../../../context.ts';
import { tenants } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import type { ClientInfo } from '../../../middleware/client-info.ts';
import { toRecord } from '../../../tenant-context/directory.ts';

/** Suspension and plan changes, pushed by the control plane; effective within the directory's cache TTL. */
export async function updateTenant(
  deps: CellDeps,
  tenantId: string,
  input: { status?: 'active' | 'suspended' | 'offboarding'; plan?: PlanId },
  meta: { requestId: string; client: ClientInfo },
) {
  const row = await withTenantTx(deps.db, tenantId, async (tx) => {
    const [updated] = await tx
      .update(tenants)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(tenants.id, tenantId))
      .returning();
    if (!updated) throw new NotFound('tenant', { resourceType: 'tenant', resourceId: tenantId });
    await appendInTx(tx, [
      auditEntry(
        auditOrigin(tenantId, meta),
        'control-plane',
        { action: 'tenant.updated', resourceType: 'tenant', resourceId: tenantId, details: input },
        'internal',
      ),
    ]);
    return updated;
  });
  deps.tenants.invalidate(tenantId);
  const t = toRecord(row);
  return { id: t.id, slug: t.slug, status: t.status, plan: t.plan, tier: t.tier };
}
