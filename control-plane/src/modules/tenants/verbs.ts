import { Conflict } from '@quire/shared/errors';
import type { PlanId } from '@quire/shared/plans';
import { eq } from 'drizzle-orm';
import { canonicalJson } from '../../canonical.ts';
import type { CpDeps } from '../../context.ts';
import { tenants } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { appendAudit } from '../audit/record.ts';
import type { Caller } from '../provisioning/create.ts';
import { findTenant, type TenantRow } from './presenter.ts';
import { type PushResult, pushToCell } from './push.ts';

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
export async function setTenantStatus(
  deps: CpDeps,
  caller: Caller,
  idOrSlug: string,
  target: 'active' | 'suspended',
): Promise<ChangeResult> {
  const action = target === 'suspended' ? 'tenants.suspend' : 'tenants.resume';
  const { tenant, changed } = await deps.db.transaction(async (tx) => {
    const before = await findTenant(tx, idOrSlug, true);
    if (before.status !== 'active' && before.status !== 'suspended')
      throw new Conflict(
        `tenant is ${before.status}; only active or suspended tenants can be ${target === 'suspended' ? 'suspended' : 'resumed'}`,
        {
          reason: 'invalid_status',
          status: before.status,
        },
      );
    const changed = before.status !== target;
    const [tenant] = changed
      ? await tx
          .update(tenants)
          .set({ status: target, updatedAt: deps.clock.now() })
          .where(eq(tenants.id, before.id))
          .returning()
      : [before];
    if (changed) await bumpVersions(tx, 'routing', 'config');
    await appendAudit(tx, {
      actor: caller.actor.id,
      actorRole: caller.actor.role,
      action,
      targetType: 'tenant',
      targetId: before.id,
      requestId: caller.requestId,
      outcome: 'ok',
      details: { from: before.status, to: target, changed },
    });
    return { tenant: tenant!, changed };
  });
  return { tenant, changed, push: await pushToCell(deps, tenant, { status: target }) };
}

/** Plan change with optional per-tenant overrides (given = replaces all overrides). */
export async function setTenantPlan(
  deps: CpDeps,
  caller: Caller,
  idOrSlug: string,
  input: { plan: PlanId; overrides?: Record<string, number | null | undefined> },
): Promise<ChangeResult> {
  const { tenant, changed } = await deps.db.transaction(async (tx) => {
    const before = await findTenant(tx, idOrSlug, true);
    if (before.status !== 'active' && before.status !== 'suspended')
      throw new Conflict(`tenant is ${before.status}; its plan can change once it is active`, {
        reason: 'invalid_status',
        status: before.status,
      });
    const overrides = input.overrides
      ? (Object.fromEntries(Object.entries(input.overrides).filter(([, v]) => v !== undefined)) as Record<
          string,
          number | null
        >)
      : before.planOverrides;
    const changed =
      before.plan !== input.plan || canonicalJson(overrides) !== canonicalJson(before.planOverrides);
    const [tenant] = await tx
      .update(tenants)
      .set({ plan: input.plan, planOverrides: overrides, updatedAt: deps.clock.now() })
      .where(eq(tenants.id, before.id))
      .returning();
    if (changed) await bumpVersions(tx, 'config');
    await appendAudit(tx, {
      actor: caller.actor.id,
      actorRole: caller.actor.role,
      action: 'tenants.set-plan',
      targetType: 'tenant',
      targetId: before.id,
      requestId: caller.requestId,
      outcome: 'ok',
      details: { from: before.plan, to: input.plan, overrides, changed },
    });
    return { tenant: tenant!, changed };
  });
  return { tenant, changed, push: await pushToCell(deps, tenant, { plan: tenant.plan }) };
}

/** Display name and strict residency (the edge enforces the latter: routing version). */
export async function updateTenantSettings(
  deps: CpDeps,
  caller: Caller,
  idOrSlug: string,
  input: { displayName?: string; strictResidency?: boolean },
): Promise<ChangeResult> {
  return deps.db.transaction(async (tx) => {
    const before = await findTenant(tx, idOrSlug, true);
    const [tenant] = await tx
      .update(tenants)
      .set({ ...input, updatedAt: deps.clock.now() })
      .where(eq(tenants.id, before.id))
      .returning();
    const residencyChanged =
      input.strictResidency !== undefined && input.strictResidency !== before.strictResidency;
    if (residencyChanged) await bumpVersions(tx, 'routing');
    await appendAudit(tx, {
      actor: caller.actor.id,
      actorRole: caller.actor.role,
      action: 'tenants.update',
      targetType: 'tenant',
      targetId: before.id,
      requestId: caller.requestId,
      outcome: 'ok',
      details: {
        fields: Object.keys(input),
        ...(residencyChanged ? { strictResidency: input.strictResidency } : {}),
      },
    });
    return { tenant: tenant!, changed: true, push: null };
  });
}
