import { Conflict, NotFound } from '@quire/shared/errors';
import { eq } from 'drizzle-orm';
import { appendInTx } from '../../../audit-trail/append.ts';
import { auditEntry, auditOrigin } from '../../../audit-trail/entry.ts';
import type { CellDeps } from '../../../context.ts';
import { tenants } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import type { ClientInfo } from '../../../middleware/client-info.ts';
import { toRecord } from '../../../tenant-context/directory.ts';
import { activeHoldIds } from '../../holds/check.ts';
import { requestOffboardingExport } from '../../portability/verbs/request.ts';

/**
 * Offboarding starts: the tenant goes read-only for its grace period (the control plane counts
 * the days and asks for the purge) and the tenant export for the customer is made. Idempotent:
 * again on an offboarding tenant re-answers the same export.
 */
export async function beginOffboarding(
  deps: CellDeps,
  tenantId: string,
  meta: { requestId: string; client: ClientInfo },
  /** False when the tenant is about to be purged anyway (a cell catching up on a deletion). */
  o: { makeExport?: boolean } = {},
) {
  // A legal hold keeps everything it covers: offboarding (which ends in the purge) refuses while
  // any hold is active, and the control plane then refuses the offboarding (409) and records nothing.
  const row = await withTenantTx(deps.db, tenantId, async (tx) => {
    const holds = await activeHoldIds(tx, tenantId);
    if (holds.length > 0)
      throw new Conflict('a legal hold is active: release it before offboarding', {
        reason: 'legal_hold',
        holdIds: holds,
      });
    const [before] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for('update');
    if (!before) throw new NotFound('tenant', { resourceType: 'tenant', resourceId: tenantId });
    if (before.status === 'offboarding') return before;
    const [updated] = await tx
      .update(tenants)
      .set({ status: 'offboarding', updatedAt: new Date() })
      .where(eq(tenants.id, tenantId))
      .returning();
    await appendInTx(tx, [
      auditEntry(
        auditOrigin(tenantId, meta),
        'control-plane',
        {
          action: 'tenant.offboarding_started',
          resourceType: 'tenant',
          resourceId: tenantId,
          details: { from: before.status },
        },
        'internal',
      ),
    ]);
    return updated!;
  });
  deps.tenants.invalidate(tenantId);
  const exportId = o.makeExport === false ? null : await requestOffboardingExport(deps, tenantId);
  return { tenant: toRecord(row), exportId };
}
