import { sql } from 'drizzle-orm';
import { appendInTx } from '../../audit-trail/append.ts';
import type { AuditInput } from '../../audit-trail/entry.ts';
import { deleteGrantsOn } from '../../auth/grants.ts';
import type { CellDeps } from '../../context.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { queueDocumentIndex, ringSearch } from '../changes/outbox.ts';
import { deleteDocumentRows, listVersions, updateDocument } from '../documents/repo.ts';
import { heldDocumentIds, queueHeldRequest } from '../holds/check.ts';
import { type Plan, type PolicyRow, planPolicy } from './plan.ts';

/** Who the run is recorded as trashing: the policy, not a person. */
export const RETENTION_ACTOR = 'retention';

export interface RunResult extends Plan {
  removed: string[];
}

/**
 * Runs a policy in one transaction: plans it (the dry run's function, at this moment), then
 * removes each planned document, checking the hold again right before (a hold placed since the
 * plan keeps it: queued, resumed on release). Every removal is audited with the policy's id.
 * Returns the blobs to delete after the commit (permanent deletion).
 */
export async function applyPolicy(
  tx: Tx,
  deps: Pick<CellDeps, 'collab'>,
  tenantId: string,
  policy: PolicyRow,
  record: (entry: AuditInput) => void,
): Promise<{ result: RunResult; blobKeys: string[] }> {
  const plan = await planPolicy(tx, tenantId, policy, new Date());
  const removed: string[] = [];
  const blobKeys: string[] = [];
  const kind = policy.action === 'trash' ? 'document.trash' : 'document.delete';
  for (const h of plan.held)
    await queueHeldRequest(tx, deps, {
      tenantId,
      kind,
      targetId: h.id,
      requestedBy: RETENTION_ACTOR,
      holdIds: h.holdIds,
    });
  for (const item of plan.items) {
    const holds = (await heldDocumentIds(tx, tenantId, [item.id])).get(item.id);
    if (holds) {
      await queueHeldRequest(tx, deps, {
        tenantId,
        kind,
        targetId: item.id,
        requestedBy: RETENTION_ACTOR,
        holdIds: holds,
      });
      plan.held.push({ id: item.id, holdIds: holds });
      continue;
    }
    const details = {
      policyId: policy.id,
      basis: policy.basis,
      keepDays: policy.keep_days,
      basisAt: item.basisAt,
    };
    if (policy.action === 'trash') {
      await updateDocument(tx, tenantId, item.id, { trashedAt: new Date(), trashedBy: RETENTION_ACTOR });
      await queueDocumentIndex(tx, tenantId, [item.id], 'document.trashed');
      record({ action: 'retention.trashed', resourceType: 'document', resourceId: item.id, details });
    } else {
      const versions = await listVersions(tx, tenantId, item.id);
      await deleteGrantsOn(tx, tenantId, item.id);
      await deleteDocumentRows(tx, tenantId, item.id);
      await queueDocumentIndex(tx, tenantId, [item.id], 'document.deleted');
      record({
        action: 'retention.deleted',
        resourceType: 'document',
        resourceId: item.id,
        details: { ...details, title: item.title, versions: versions.length },
      });
      blobKeys.push(...new Set(versions.map((v) => v.blobKey)));
    }
    removed.push(item.id);
  }
  await tx.execute(
    sql`update retention_policies set last_run_at = now() where tenant_id = ${tenantId} and id = ${policy.id}`,
  );
  record({
    action: 'retention.run',
    resourceType: 'retention_policy',
    resourceId: policy.id,
    details: { removed: removed.length, held: plan.held.length, action: policy.action },
  });
  return {
    result: { ...plan, items: plan.items.filter((i) => removed.includes(i.id)), removed },
    blobKeys,
  };
}

/** The worker's sweep: each enabled policy once a day, as the system. */
export async function runDuePolicies(deps: CellDeps, tenantId: string): Promise<number> {
  const due = await withTenantTx(
    deps.db,
    tenantId,
    (tx) =>
      tx.execute<PolicyRow>(sql`
        select * from retention_policies where tenant_id = ${tenantId} and enabled
          and (last_run_at is null or last_run_at < now() - interval '1 day')
        order by id`),
    { readOnly: true },
  );
  let removed = 0;
  for (const policy of due) {
    const { result, blobKeys } = await withTenantTx(deps.db, tenantId, async (tx) => {
      const entries: AuditInput[] = [];
      const out = await applyPolicy(tx, deps, tenantId, policy, (e) => entries.push(e));
      await appendInTx(
        tx,
        entries.map((e) => ({
          ...e,
          tenantId,
          occurredAt: new Date().toISOString(),
          actorType: 'system' as const,
          actorId: RETENTION_ACTOR,
          ip: null,
          userAgent: null,
          requestId: null,
        })),
      );
      return out;
    });
    ringSearch(deps);
    await Promise.all(blobKeys.map((k) => deps.blobs.delete(k)));
    removed += result.removed.length;
  }
  return removed;
}
