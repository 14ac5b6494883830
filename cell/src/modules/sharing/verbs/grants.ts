import { NotFound } from '@quire/shared/errors';
import type { GrantRole } from '@quire/shared/tenancy';
import { and, eq } from 'drizzle-orm';
import { displayNames, groupNames, nameOf } from '../../../auth/display-names.ts';
import { deleteGrant, findGrant, type GrantRow, grantsOn, insertGrant } from '../../../auth/grants.ts';
import { authorize, type ResourceType } from '../../../auth/policy.ts';
import { groupMembers } from '../../../auth/readers.ts';
import type { RequestCtx } from '../../../context.ts';
import { groups, users } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { withActor } from '../../../unit-of-work.ts';
import { deliver, notify } from '../../notifications/notify.ts';
import { dispatch, emitEvent } from '../../webhooks/events.ts';
import { loadShared } from '../resources.ts';

export interface GrantInput {
  resourceType: ResourceType;
  resourceId: string;
  principalType: 'user' | 'group';
  principalId: string;
  role: GrantRole;
}

async function loadResource(tx: Tx, tenantId: string, type: ResourceType, id: string) {
  const shared = await loadShared(tx, tenantId, type, id);
  return { ...shared.resource, title: shared.title };
}

async function assertPrincipal(tx: Tx, tenantId: string, type: 'user' | 'group', id: string) {
  const table = type === 'user' ? users : groups;
  const [row] = await tx
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.tenantId, tenantId), eq(table.id, id)));
  if (!row) throw new NotFound(type, { resourceType: type, resourceId: id });
}

/** Names beside the ids of grants: the principal's (a user's or a group's) and the granter's. */
export async function grantNames(tx: Tx, tenantId: string, rows: readonly GrantRow[]): Promise<GrantNames> {
  const [users, groups] = await Promise.all([
    displayNames(
      tx,
      tenantId,
      rows.flatMap((g) => [g.createdBy, g.principalType === 'user' ? g.principalId : null]),
    ),
    groupNames(
      tx,
      tenantId,
      rows.map((g) => (g.principalType === 'group' ? g.principalId : null)),
    ),
  ]);
  return { users, groups };
}
type GrantNames = { users: Map<string, string>; groups: Map<string, string> };

export function presentGrant(g: GrantRow, names: GrantNames) {
  return {
    id: g.id,
    resourceType: g.resourceType as ResourceType,
    resourceId: g.resourceId,
    principalType: g.principalType as 'user' | 'group',
    principalId: g.principalId,
    principalName: nameOf(g.principalType === 'group' ? names.groups : names.users, g.principalId),
    role: g.role as GrantRole,
    createdBy: g.createdBy,
    createdByName: nameOf(names.users, g.createdBy),
    createdAt: g.createdAt.toISOString(),
  };
}

/**
 * Granting needs manage (owner) on the resource; the principal must be of this tenant. The
 * people it reaches (the user, or the group's members) are notified: they can read it now.
 */
export async function createGrant({ ctx, input }: { ctx: RequestCtx; input: GrantInput }) {
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const resource = await loadResource(tx, ctx.tenant.id, input.resourceType, input.resourceId);
    await authorize(tx, actor, 'manage', resource);
    await assertPrincipal(tx, ctx.tenant.id, input.principalType, input.principalId);
    const grant = await insertGrant(tx, { tenantId: ctx.tenant.id, ...input, createdBy: actor.userId });
    audit({
      action: 'grant.created',
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      details: { grantId: grant.id, principalId: input.principalId, role: input.role },
    });
    const reached =
      input.principalType === 'user'
        ? [input.principalId]
        : (
            (await groupMembers(tx, ctx.tenant.id, [input.principalId])).get(input.principalId)?.userIds ?? []
          ).slice(0, 500);
    const notified = await notify(
      tx,
      ctx.deps,
      ctx.tenant.id,
      reached
        .filter((u) => u !== actor.userId)
        .map((userId) => ({
          userId,
          kind: 'share' as const,
          actorId: actor.userId,
          resourceType: input.resourceType,
          resourceId: input.resourceId,
          data: { role: input.role, title: resource.title },
        })),
    );
    const emitted = await emitEvent(tx, ctx.tenant.id, 'grant.created', {
      grantId: grant.id,
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      principalType: input.principalType,
      principalId: input.principalId,
      role: input.role,
    });
    return { grant: presentGrant(grant, await grantNames(tx, ctx.tenant.id, [grant])), notified, emitted };
  });
  deliver(ctx.deps, out.notified);
  dispatch(ctx.deps, out.emitted);
  return out.grant;
}

/** Who has access: anyone who can read the resource may see its grants. */
export async function listGrants({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { resourceType: ResourceType; resourceId: string };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const resource = await loadResource(tx, ctx.tenant.id, input.resourceType, input.resourceId);
      await authorize(tx, actor, 'read', resource);
      const rows = await grantsOn(tx, ctx.tenant.id, input.resourceId);
      const names = await grantNames(tx, ctx.tenant.id, rows);
      return { items: rows.map((g) => presentGrant(g, names)) };
    },
    { readOnly: true },
  );
}

export async function revokeGrant({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async ({ tx, actor, audit }) => {
    const grant = await findGrant(tx, ctx.tenant.id, input.id);
    if (!grant) throw new NotFound('grant', { resourceType: 'grant', resourceId: input.id });
    const resource = await loadResource(
      tx,
      ctx.tenant.id,
      grant.resourceType as ResourceType,
      grant.resourceId,
    );
    await authorize(tx, actor, 'manage', resource);
    await deleteGrant(tx, ctx.tenant.id, grant.id);
    audit({
      action: 'grant.revoked',
      resourceType: grant.resourceType,
      resourceId: grant.resourceId,
      details: { grantId: grant.id, principalId: grant.principalId },
    });
  });
}
