import { Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import type { ActorRecord } from '../../auth/actor.ts';
import type { RequestCtx } from '../../context.ts';
import { instant, instantOrNull } from '../../db/instants.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';
import { ringSearch } from '../changes/outbox.ts';
import { type PolicyRow, planPolicy } from './plan.ts';
import { applyPolicy } from './run.ts';

export interface CreatePolicyInput {
  name: string;
  scope: { kind: 'folder' | 'tag' | 'type'; value: string };
  basis: 'created' | 'updated';
  keepDays: number;
  action: 'trash' | 'delete';
  enabled?: boolean;
}

function assertAdmin(actor: ActorRecord): void {
  if (actor.role !== 'admin') throw new Forbidden('only tenant admins manage retention policies');
}

function presentPolicy(p: PolicyRow) {
  return {
    id: p.id,
    name: p.name,
    scope: { kind: p.scope_kind, value: p.scope_value },
    basis: p.basis,
    keepDays: p.keep_days,
    action: p.action,
    enabled: p.enabled,
    createdBy: p.created_by,
    createdAt: instant(p.created_at),
    lastRunAt: instantOrNull(p.last_run_at),
  };
}

async function findPolicy(tx: Tx, tenantId: string, id: string): Promise<PolicyRow> {
  const [row] = await tx.execute<PolicyRow>(sql`
    select * from retention_policies where tenant_id = ${tenantId} and id = ${id}`);
  if (!row) throw new NotFound('retention policy', { resourceType: 'retention_policy', resourceId: id });
  return row;
}

export async function createPolicy({ ctx, input }: { ctx: RequestCtx; input: CreatePolicyInput }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    if (input.scope.kind === 'folder') {
      const [f] = await tx.execute(
        sql`select 1 from folders where tenant_id = ${ctx.tenant.id} and id = ${input.scope.value}`,
      );
      if (!f) throw new NotFound('folder', { resourceType: 'folder', resourceId: input.scope.value });
    }
    const id = newId('retentionPolicy');
    const [row] = await tx.execute<PolicyRow>(sql`
      insert into retention_policies (tenant_id, id, name, scope_kind, scope_value, basis, keep_days, action, enabled, created_by)
      values (${ctx.tenant.id}, ${id}, ${input.name}, ${input.scope.kind}, ${input.scope.value}, ${input.basis},
              ${input.keepDays}, ${input.action}, ${input.enabled ?? true}, ${actor.userId})
      returning *`);
    audit({
      action: 'retention.policy_created',
      resourceType: 'retention_policy',
      resourceId: id,
      details: {
        scope: input.scope.kind,
        basis: input.basis,
        keepDays: input.keepDays,
        action: input.action,
      },
    });
    return presentPolicy(row!);
  });
}

export async function listPolicies({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      const rows = await tx.execute<PolicyRow>(sql`
        select * from retention_policies where tenant_id = ${ctx.tenant.id} order by id desc limit 500`);
      return { items: rows.map(presentPolicy) };
    },
    { readOnly: true },
  );
}

export async function getPolicy({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      assertAdmin(actor);
      return presentPolicy(await findPolicy(tx, ctx.tenant.id, input.id));
    },
    { readOnly: true },
  );
}

export interface UpdatePolicyInput {
  id: string;
  name?: string | undefined;
  basis?: 'created' | 'updated' | undefined;
  keepDays?: number | undefined;
  action?: 'trash' | 'delete' | undefined;
  enabled?: boolean | undefined;
}

export async function updatePolicy({ ctx, input }: { ctx: RequestCtx; input: UpdatePolicyInput }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const before = await findPolicy(tx, ctx.tenant.id, input.id);
    const [row] = await tx.execute<PolicyRow>(sql`
      update retention_policies set
        name = coalesce(${input.name ?? null}, name),
        basis = coalesce(${input.basis ?? null}, basis),
        keep_days = coalesce(${input.keepDays ?? null}::int, keep_days),
        action = coalesce(${input.action ?? null}, action),
        enabled = coalesce(${input.enabled ?? null}::boolean, enabled)
      where tenant_id = ${ctx.tenant.id} and id = ${before.id}
      returning *`);
    const pick = (p: PolicyRow) => ({
      basis: p.basis,
      keepDays: p.keep_days,
      action: p.action,
      enabled: p.enabled,
    });
    audit({
      action: 'retention.policy_updated',
      resourceType: 'retention_policy',
      resourceId: before.id,
      details: { before: pick(before), after: pick(row!), renamed: row!.name !== before.name },
    });
    return presentPolicy(row!);
  });
}

export async function deletePolicy({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  await withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const p = await findPolicy(tx, ctx.tenant.id, input.id);
    await tx.execute(sql`delete from retention_policies where tenant_id = ${ctx.tenant.id} and id = ${p.id}`);
    audit({ action: 'retention.policy_deleted', resourceType: 'retention_policy', resourceId: p.id });
  });
}

/** What the policy would remove now, and what holds keep (audited as a read). */
export async function dryRunPolicy({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      assertAdmin(actor);
      const p = await findPolicy(tx, ctx.tenant.id, input.id);
      const plan = await planPolicy(tx, ctx.tenant.id, p, new Date());
      audit({
        action: 'retention.dry_run',
        resourceType: 'retention_policy',
        resourceId: p.id,
        details: { items: plan.items.length, held: plan.held.length },
      });
      return plan;
    },
    { readOnly: true },
  );
}

/** An admin-triggered run: removes what the dry run lists at this moment, never what a hold keeps. */
export async function runPolicyNow({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const { result, blobKeys } = await withActor(ctx, async ({ tx, actor, audit }) => {
    assertAdmin(actor);
    const p = await findPolicy(tx, ctx.tenant.id, input.id);
    return applyPolicy(tx, ctx.deps, ctx.tenant.id, p, audit);
  });
  ringSearch(ctx.deps);
  await Promise.all(blobKeys.map((k) => ctx.deps.blobs.delete(k)));
  return result;
}
