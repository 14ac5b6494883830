import { createHash } from 'node:crypto';
import { Conflict } from '@quire/shared/errors';
import type { IsolationTier, PlanId } from '@quire/shared/plans';
import type { SealingJwk } from '@quire/shared/routing';
import { sealForCell } from '@quire/shared/sealed';
import { eq } from 'drizzle-orm';
import type { CpDeps, OpsCtx } from '../../context.ts';
import { auditAction } from '../../db/audit.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { cells, provisioningJobs, tenants } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { cpId } from '../../ids.ts';
import { placeTenant } from '../cells/placement.ts';
import { documentsQuota } from '../plans/limits.ts';
import { planLimits } from '../plans/repo.ts';
import { advance, type SagaOutcome, withJobLock } from './saga.ts';

export interface CreateTenantInput {
  slug: string;
  displayName: string;
  region: string;
  plan: PlanId;
  tier: IsolationTier;
  strictResidency: boolean;
  /** Personal data: sealed to the home cell at once, never stored, logged or audited here. */
  admin: { email: string; name: string; password?: string | undefined };
  /** Same key and same request = same tenant; the same key for another request is a 409. */
  idempotencyKey?: string | undefined;
}

/** The settings a retry must repeat to be "the same request" (the admin is not part of it: we cannot see it later). */
function fingerprint(input: CreateTenantInput): string {
  const { slug, displayName, region, plan, tier, strictResidency } = input;
  return createHash('sha256')
    .update(JSON.stringify([slug, displayName, region, plan, tier, strictResidency]))
    .digest('hex');
}

const purpose = (tenantId: string) => `provision:${tenantId}`;

/**
 * POST /v1/admin/tenants: records, places and provisions a tenant, idempotently. The same
 * request again (same slug and settings, or the same Idempotency-Key) creates nothing new:
 * it resumes or re-confirms the tenant and, as it carries the admin again, asks the cell for
 * a fresh invitation. A different request for a taken slug, or a reused key, is a 409.
 */
export async function createTenant({
  ctx,
  input,
}: {
  ctx: OpsCtx;
  input: CreateTenantInput;
}): Promise<SagaOutcome & { created: boolean }> {
  const { deps } = ctx;
  const { idempotencyKey } = input;
  const tenantId = `ten_${input.slug}`;
  const print = fingerprint(input);
  const outcome = await withJobLock(deps, tenantId, true, async () => {
    if (idempotencyKey) {
      const [prior] = await deps.db
        .select({ fingerprint: provisioningJobs.requestFingerprint })
        .from(provisioningJobs)
        .where(eq(provisioningJobs.idempotencyKey, idempotencyKey));
      if (prior && prior.fingerprint !== print)
        throw new Conflict('this Idempotency-Key was used for a different request', {
          reason: 'idempotency_key_reused',
        });
    }
    const [existing] = await deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
    if (existing) return { ...(await retry(deps, existing.id, print, input)), created: false };
    try {
      await record(ctx, tenantId, print, input);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Another request took the Idempotency-Key (the slug is ours: we hold its lock).
      throw new Conflict('this Idempotency-Key was used for a different request', {
        reason: 'idempotency_key_reused',
      });
    }
    return { ...(await advance(deps, tenantId)), created: true };
  });
  if (outcome === 'busy') throw new Error('unreachable: a waiting lock is never busy');
  return outcome;
}

/** recorded → placed, in one transaction: the tenant row, its home cell and the job with the sealed admin. */
async function record(ctx: OpsCtx, tenantId: string, print: string, input: CreateTenantInput) {
  const { deps } = ctx;
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const limits = (await planLimits(tx, input.plan)) ?? {};
    const placement = await placeTenant(tx, {
      region: input.region,
      tier: input.tier,
      documents: documentsQuota(limits, input.plan),
      now,
      heartbeatTimeoutSeconds: deps.heartbeatTimeoutSeconds,
    });
    const sealed = await sealForCell(placement.sealingKey, purpose(tenantId), input.admin);
    await tx.insert(tenants).values({
      id: tenantId,
      slug: input.slug,
      displayName: input.displayName,
      region: input.region,
      cellId: placement.cellId,
      plan: input.plan,
      tier: input.tier,
      status: 'provisioning',
      strictResidency: input.strictResidency,
    });
    const at = now.toISOString();
    await tx.insert(provisioningJobs).values({
      id: cpId('job'),
      tenantId,
      idempotencyKey: input.idempotencyKey ?? null,
      requestFingerprint: print,
      step: 'placed',
      history: [
        { step: 'recorded', at },
        { step: 'placed', at },
      ],
      sealedAdmin: sealed,
      sealedForCell: placement.cellId,
      requestedBy: ctx.actor.id,
      nextAttemptAt: now,
    });
    await bumpVersions(tx, 'config');
    await auditAction(tx, ctx, {
      action: 'tenants.create',
      targetType: 'tenant',
      targetId: tenantId,
      details: {
        slug: input.slug,
        region: input.region,
        plan: input.plan,
        tier: input.tier,
        strictResidency: input.strictResidency,
        cellId: placement.cellId,
      },
    });
  });
}

/** The same request again: finish or re-confirm, sealing the admin afresh to the home cell's current key. */
async function retry(deps: CpDeps, tenantId: string, print: string, input: CreateTenantInput) {
  const [job] = await deps.db.select().from(provisioningJobs).where(eq(provisioningJobs.tenantId, tenantId));
  if (!job || job.requestFingerprint !== print)
    throw new Conflict(`slug ${input.slug} is taken by a tenant created with other settings`, {
      reason: 'slug_taken',
      slug: input.slug,
    });
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant?.cellId || tenant.status === 'offboarding' || tenant.status === 'deleted')
    throw new Conflict(`tenant ${tenantId} is ${tenant?.status ?? 'gone'}`, { reason: 'tenant_not_live' });
  const [cell] = await deps.db
    .select({ sealingKey: cells.sealingKey })
    .from(cells)
    .where(eq(cells.id, tenant.cellId));
  const sealed = await sealForCell(cell!.sealingKey as SealingJwk, purpose(tenantId), input.admin);
  return advance(deps, tenantId, { sealed, cellId: tenant.cellId });
}
