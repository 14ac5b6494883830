import { Conflict, QuireError } from '@quire/shared/errors';
import type { IsolationTier, PlanId } from '@quire/shared/plans';
import { and, eq, sql } from 'drizzle-orm';
import { CellCallError } from '../../cell-api/client.ts';
import type { CpDeps } from '../../context.ts';
import { appendAudit } from '../../db/audit.ts';
import { type JobRow, provisioningJobs, type TenantRow, tenants } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { cellTarget } from '../cells/target.ts';

/** Advisory-lock class of provisioning jobs (the second key is hashtext(tenant id)). */
const LOCK_CLASS = 7301;
const MAX_BACKOFF_SECONDS = 60;

/**
 * Runs `work` holding the tenant's provisioning lock: one saga step-runner at a time per
 * tenant, across processes. The lock lives in a transaction of the separate lock pool, so a
 * crashed process releases it with its connection. `wait: false` gives up when it is held.
 */
export async function withJobLock<T>(
  deps: CpDeps,
  tenantId: string,
  wait: boolean,
  work: () => Promise<T>,
): Promise<T | 'busy'> {
  return deps.lockSql.begin(async (tx) => {
    if (wait) {
      await tx`select pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${tenantId}))`;
    } else {
      const [row] =
        await tx`select pg_try_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${tenantId})) as ok`;
      if (!row?.ok) return 'busy' as const;
    }
    return work();
  }) as Promise<T | 'busy'>;
}

export interface SagaOutcome {
  tenant: TenantRow;
  job: JobRow;
  /** Only when this run called the cell: the first admin's invitation (never stored here). */
  invitationToken: string | null;
}

const historyPush = (step: string, at: Date) =>
  sql`${provisioningJobs.history} || ${JSON.stringify([{ step, at: at.toISOString() }])}::jsonb`;

async function load(deps: CpDeps, tenantId: string) {
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
  const [job] = await deps.db.select().from(provisioningJobs).where(eq(provisioningJobs.tenantId, tenantId));
  if (!tenant || !job) throw new Error(`no provisioning job for ${tenantId}`);
  return { tenant, job };
}

/**
 * Moves a tenant's job forward as far as it can: placed → (cell call) → cell_provisioned →
 * active. Call it holding the job lock. Every step is committed before the next begins, and
 * the cell call is idempotent by tenant id, so a crash anywhere resumes by re-running this.
 *
 * `fresh`: a sealed admin from a retried request. It replaces the stored one (a failed job
 * starts over), and makes even a finished job call the cell again, for a fresh invitation.
 */
export async function advance(
  deps: CpDeps,
  tenantId: string,
  fresh?: { sealed: string; cellId: string },
): Promise<SagaOutcome> {
  let { tenant, job } = await load(deps, tenantId);
  let invitationToken: string | null = null;
  if (fresh && !job.completedAt) {
    job = await updateJob(deps, job.id, {
      sealedAdmin: fresh.sealed,
      sealedForCell: fresh.cellId,
      step: job.step === 'failed' ? 'placed' : job.step,
      nextAttemptAt: deps.clock.now(),
      updatedAt: deps.clock.now(),
    });
  }

  const mustCall = fresh !== undefined || job.step === 'placed';
  if (mustCall) {
    const sealed = fresh?.sealed ?? job.sealedAdmin;
    if (!sealed || !tenant.cellId) {
      job = await fail(deps, job, 'the sealed admin is gone: retry the create request with the admin', false);
      return { tenant, job, invitationToken };
    }
    try {
      const target = await cellTarget(deps, tenant.cellId);
      const result = await deps.cells.provisionTenant(target, tenant.id, {
        slug: tenant.slug,
        plan: tenant.plan as PlanId,
        tier: tenant.tier as IsolationTier,
        admin: { sealed },
      });
      invitationToken = result.invitationToken;
    } catch (err) {
      if (!(err instanceof CellCallError)) throw err;
      if (!job.completedAt) job = await fail(deps, job, err.message, err.retryable);
      deps.log.warn('provisioning: cell call failed', {
        tenantId,
        cellId: tenant.cellId,
        attempts: job.attempts,
        retryable: err.retryable,
        error: err.message,
      });
      // The tenant is live with another first admin: this was not a retry of its creation.
      if (job.completedAt && err.status === 409)
        throw new Conflict(`slug ${tenant.slug} is taken by a tenant created with another first admin`, {
          reason: 'slug_taken',
        });
      if (job.completedAt)
        throw new QuireError(
          'unavailable',
          `the tenant is active, but its cell could not re-issue the invitation: ${err.message}`,
        );
      return { tenant, job, invitationToken };
    }
    if (deps.failpoint === 'after-cell-provisioned') {
      // Tests only (never honoured in production): die between the cell's answer and our record of it.
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    }
    if (!job.completedAt) {
      const now = deps.clock.now();
      job = await updateJob(deps, job.id, {
        step: 'cell_provisioned',
        attempts: sql`${provisioningJobs.attempts} + 1`,
        lastError: null,
        history: historyPush('cell_provisioned', now),
        updatedAt: now,
      });
    }
  }

  if (job.step === 'cell_provisioned') ({ tenant, job } = await activate(deps, tenant, job));
  return { tenant, job, invitationToken };
}

/** The tenant goes live exactly once: the status flip, versions, audit and job completion commit together. */
async function activate(deps: CpDeps, tenant: TenantRow, job: JobRow) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [live] = await tx
      .update(tenants)
      .set({ status: 'active', updatedAt: now })
      .where(and(eq(tenants.id, tenant.id), eq(tenants.status, 'provisioning')))
      .returning();
    if (live) {
      await bumpVersions(tx, 'routing', 'config');
      await appendAudit(tx, {
        actor: job.requestedBy,
        action: 'tenants.activated',
        targetType: 'tenant',
        targetId: tenant.id,
        outcome: 'ok',
        details: { cellId: tenant.cellId, jobId: job.id, attempts: job.attempts },
      });
    }
    const [done] = await tx
      .update(provisioningJobs)
      .set({
        step: 'active',
        completedAt: now,
        sealedAdmin: null,
        sealedForCell: null,
        lastError: null,
        history: historyPush('active', now),
        updatedAt: now,
      })
      .where(eq(provisioningJobs.id, job.id))
      .returning();
    const [current] = await tx.select().from(tenants).where(eq(tenants.id, tenant.id));
    if (live)
      deps.log.info('tenant active', { tenantId: tenant.id, cellId: tenant.cellId, attempts: job.attempts });
    return { tenant: current!, job: done! };
  });
}

async function updateJob(
  deps: CpDeps,
  id: string,
  set: Partial<Record<keyof JobRow, unknown>>,
): Promise<JobRow> {
  const [row] = await deps.db
    .update(provisioningJobs)
    .set(set as Partial<typeof provisioningJobs.$inferInsert>)
    .where(eq(provisioningJobs.id, id))
    .returning();
  return row!;
}

async function fail(deps: CpDeps, job: JobRow, error: string, retryable: boolean): Promise<JobRow> {
  const now = deps.clock.now();
  const backoff = Math.min(2 ** Math.min(job.attempts, 6), MAX_BACKOFF_SECONDS);
  const [row] = await deps.db
    .update(provisioningJobs)
    .set({
      step: retryable ? job.step : 'failed',
      attempts: sql`${provisioningJobs.attempts} + 1`,
      lastError: error.slice(0, 500),
      nextAttemptAt: new Date(now.getTime() + backoff * 1000),
      ...(retryable ? {} : { history: historyPush('failed', now) }),
      updatedAt: now,
    })
    .where(eq(provisioningJobs.id, job.id))
    .returning();
  return row!;
}
