import { Conflict, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { displayNames, nameOf } from '../../../auth/display-names.ts';
import { insertGrant } from '../../../auth/grants.ts';
import { allows, authorize, effectiveRole, type ResourceType } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import { deliver, notify } from '../../notifications/notify.ts';
import { dispatch, type Emitted, emitEvent } from '../../webhooks/events.ts';
import { loadShared } from '../resources.ts';
import { type AccessRequestRow, decide, findRequest, listRequests, ownersOf, upsertPending } from './repo.ts';
import type { AccessRequestView } from './schemas.ts';

/** `title`: the resource's; `names`: the requester's and decider's (`displayNames`). */
export function presentRequest(
  r: AccessRequestRow,
  title: string,
  names: Map<string, string>,
): AccessRequestView {
  return {
    id: r.id,
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    title,
    requesterId: r.requesterId,
    requesterName: nameOf(names, r.requesterId),
    role: r.role,
    message: r.message,
    status: r.status,
    decidedBy: r.decidedBy,
    decidedByName: nameOf(names, r.decidedBy),
    decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
    createdAt: r.createdAt.toISOString(),
  };
}

export interface RequestAccessInput {
  resourceType: ResourceType;
  resourceId: string;
  /** viewer when not given. */
  role?: 'viewer' | 'editor';
  message?: string;
}

/**
 * Someone without access asks for it. The answer is the same whether the resource exists or
 * not (existence is not revealed to someone who cannot see it); when it does, its owners are
 * notified. Someone who can already read it is told so.
 */
export async function requestAccess({ ctx, input }: { ctx: RequestCtx; input: RequestAccessInput }) {
  const tenantId = ctx.tenant.id;
  const asked = input.role ?? 'viewer';
  let emitted: Emitted | undefined;
  const notified = await withActor(ctx, async ({ tx, actor, audit }) => {
    const shared = await loadShared(tx, tenantId, input.resourceType, input.resourceId).catch((e) => {
      if (e instanceof NotFound) return null;
      throw e;
    });
    if (!shared) {
      audit({
        action: 'access_request.unknown_resource',
        resourceType: input.resourceType,
        resourceId: input.resourceId,
      });
      return undefined;
    }
    const role = await effectiveRole(tx, actor, shared.resource);
    if (allows(role, 'read') && (asked === 'viewer' || allows(role, 'write')))
      throw new Conflict('you already have this access');
    const request = await upsertPending(tx, {
      tenantId,
      id: newId('accessRequest'),
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      requesterId: actor.userId,
      role: asked,
      message: input.message ?? null,
    });
    const owners = (
      await ownersOf(tx, tenantId, [...shared.resource.ancestorIds, shared.resource.id])
    ).filter((u) => u !== actor.userId);
    audit({
      action: 'access_request.created',
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      details: { requestId: request.id, role: asked },
    });
    emitted = await emitEvent(tx, tenantId, 'access_request.created', {
      requestId: request.id,
      resourceType: input.resourceType,
      resourceId: input.resourceId,
      requesterId: actor.userId,
    });
    return notify(
      tx,
      ctx.deps,
      tenantId,
      owners.map((userId) => ({
        userId,
        kind: 'access_request',
        actorId: actor.userId,
        resourceType: input.resourceType,
        resourceId: input.resourceId,
        data: {
          requestId: request.id,
          title: shared.title,
          role: asked,
          message: (input.message ?? '').slice(0, 200),
        },
      })),
    );
  });
  deliver(ctx.deps, notified);
  dispatch(ctx.deps, emitted);
  return { status: 'pending' as const };
}

/** Requests on resources the caller may decide on (manage), newest first. */
export async function listAccessRequests({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { status: 'pending' | 'granted' | 'declined'; resourceId?: string; cursor?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const rows = await listRequests(tx, ctx.tenant.id, {
        status: input.status,
        resourceId: input.resourceId,
        beforeId: input.cursor,
        limit: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const decidable: { row: AccessRequestRow; title: string }[] = [];
      for (const r of page) {
        const shared = await loadShared(tx, ctx.tenant.id, r.resourceType, r.resourceId).catch(() => null);
        if (shared && allows(await effectiveRole(tx, actor, shared.resource), 'manage'))
          decidable.push({ row: r, title: shared.title });
      }
      const names = await displayNames(
        tx,
        ctx.tenant.id,
        decidable.flatMap(({ row }) => [row.requesterId, row.decidedBy]),
      );
      const items = decidable.map(({ row, title }) => presentRequest(row, title, names));
      return { items, nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null };
    },
    { readOnly: true },
  );
}

/**
 * An owner grants (the requested role, or another) or declines; the requester is told. A
 * request about something the caller cannot see is not found; one they see but may not manage
 * is forbidden.
 */
export async function decideAccessRequest({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; decision: 'granted' | 'declined'; role?: 'viewer' | 'editor' };
}) {
  const tenantId = ctx.tenant.id;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const request = await findRequest(tx, tenantId, input.id);
    const missing = () =>
      new NotFound('access request', { resourceType: 'access_request', resourceId: input.id });
    if (!request) throw missing();
    const shared = await loadShared(tx, tenantId, request.resourceType, request.resourceId).catch(() => {
      throw missing();
    });
    await authorize(tx, actor, 'manage', shared.resource).catch((e) => {
      throw e instanceof NotFound ? missing() : e;
    });
    if (request.status !== 'pending') throw new Conflict(`this request was already ${request.status}`);
    const saved = (await decide(tx, request, input.decision, actor.userId))!;
    const role = input.role ?? request.role;
    if (input.decision === 'granted') {
      const grant = await insertGrant(tx, {
        tenantId,
        resourceType: request.resourceType,
        resourceId: request.resourceId,
        principalType: 'user',
        principalId: request.requesterId,
        role,
        createdBy: actor.userId,
      });
      audit({
        action: 'grant.created',
        resourceType: request.resourceType,
        resourceId: request.resourceId,
        details: { grantId: grant.id, principalId: request.requesterId, role, requestId: request.id },
      });
    }
    audit({
      action: `access_request.${input.decision}`,
      resourceType: request.resourceType,
      resourceId: request.resourceId,
      details: { requestId: request.id, requesterId: request.requesterId, role },
    });
    const notified = await notify(tx, ctx.deps, tenantId, [
      {
        userId: request.requesterId,
        kind: 'access_decided',
        actorId: actor.userId,
        // About the request (theirs), not the resource: a decline must reach someone who cannot read it.
        resourceType: 'access_request',
        resourceId: request.id,
        // The requester learns the title only once they may read it.
        data: {
          requestId: request.id,
          resourceType: request.resourceType,
          resourceId: request.resourceId,
          decision: input.decision,
          role,
          ...(input.decision === 'granted' ? { title: shared.title } : {}),
        },
      },
    ]);
    const names = await displayNames(tx, tenantId, [saved.requesterId, saved.decidedBy]);
    return { value: presentRequest(saved, shared.title, names), notified };
  });
  deliver(ctx.deps, out.notified);
  return out.value;
}
