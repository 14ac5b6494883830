import { and, asc, eq, isNull, lte, or } from 'drizzle-orm';
import { CellCallError } from '../../cell-api/client.ts';
import type { CpDeps } from '../../context.ts';
import { appendAudit } from '../../db/audit.ts';
import { tenants } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { cellTarget } from '../cells/target.ts';
import { findTenant, updateTenantRow } from './repo.ts';

const BATCH = 50;
const MAX_BACKOFF_S = 3600;

/**
 * The end of offboarding, run by the control plane's background loop (idempotent; several
 * instances may run it):
 * 1. a tenant past its grace period becomes `deleted` (the edge answers it 410 from the next
 *    snapshot; the cell is told through its config too);
 * 2. a deleted tenant's home cell is asked to purge it (DELETE on the internal API) until it
 *    confirms; unreachable cells are retried with backoff (2^n s, at most an hour), and a cell
 *    that was down finds the deletion in its config when it returns and does it on its own.
 */
export async function sweepOffboarding(deps: CpDeps): Promise<{ deleted: number; purged: number }> {
  const now = deps.clock.now();
  let deleted = 0;
  const due = await deps.db
    .select({ id: tenants.id })
    .from(tenants)
    .where(and(eq(tenants.status, 'offboarding'), lte(tenants.deleteAfter, now)))
    .orderBy(asc(tenants.deleteAfter))
    .limit(BATCH);
  for (const { id } of due) {
    await deps.db.transaction(async (tx) => {
      const row = await findTenant(tx, id, true);
      if (row.status !== 'offboarding' || !row.deleteAfter || row.deleteAfter > now) return;
      await updateTenantRow(tx, id, { status: 'deleted', deletedAt: now, updatedAt: now });
      await bumpVersions(tx, 'routing', 'config');
      await appendAudit(tx, {
        actor: 'system:offboarding',
        action: 'tenants.deleted',
        targetType: 'tenant',
        targetId: id,
        outcome: 'ok',
        details: { offboardingStartedAt: row.offboardingStartedAt?.toISOString() ?? null },
      });
      deleted += 1;
    });
  }

  let purged = 0;
  const pending = await deps.db
    .select()
    .from(tenants)
    .where(
      and(
        eq(tenants.status, 'deleted'),
        isNull(tenants.purgedAt),
        or(isNull(tenants.purgeNextAttemptAt), lte(tenants.purgeNextAttemptAt, now)),
      ),
    )
    .limit(BATCH);
  for (const t of pending) {
    if (!t.cellId) continue;
    let outcome:
      | { done: true; summary: Record<string, unknown> | null }
      | { done: false; error: string | null };
    try {
      const r = await deps.cells.purgeTenant(await cellTarget(deps, t.cellId), t.id);
      outcome = r.state === 'deleted' ? { done: true, summary: r.summary } : { done: false, error: null };
    } catch (err) {
      if (!(err instanceof CellCallError)) throw err;
      // 404: the cell has neither the tenant nor its tombstone (never provisioned there): nothing to purge.
      // 409 (not offboarding: the cell missed it) is retried; the cell's next config pull catches up.
      outcome = err.status === 404 ? { done: true, summary: null } : { done: false, error: err.message };
    }
    await deps.db.transaction(async (tx) => {
      if (outcome.done) {
        await updateTenantRow(tx, t.id, { purgedAt: deps.clock.now(), purgeLastError: null });
        await bumpVersions(tx, 'config');
        await appendAudit(tx, {
          actor: 'system:offboarding',
          action: 'tenants.purged',
          targetType: 'tenant',
          targetId: t.id,
          outcome: 'ok',
          // Counts and dates only: the cell's anonymised summary.
          details: { cellId: t.cellId, summary: outcome.summary },
        });
        purged += 1;
        return;
      }
      const attempts = t.purgeAttempts + 1;
      const wait = outcome.error === null ? 5 : Math.min(MAX_BACKOFF_S, 2 ** Math.min(attempts, 12));
      await updateTenantRow(tx, t.id, {
        purgeAttempts: attempts,
        purgeNextAttemptAt: new Date(deps.clock.now().getTime() + wait * 1000),
        purgeLastError: outcome.error,
      });
    });
    if (!outcome.done && outcome.error)
      deps.log.warn('tenant purge not confirmed by its cell; retrying', { tenantId: t.id, cellId: t.cellId });
  }
  return { deleted, purged };
}
