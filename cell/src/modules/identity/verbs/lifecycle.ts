import { Conflict, Forbidden, NotFound } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import { and, eq, ne, sql } from 'drizzle-orm';
import { deleteGrantsHeldBy, transferOwnerGrants } from '../../../auth/grants.ts';
import type { RequestCtx } from '../../../context.ts';
import { groupMembers, type UserStatus, users } from '../../../db/schema/index.ts';
import type { Tx } from '../../../db/tenant-tx.ts';
import { type Work, withActor } from '../../../unit-of-work.ts';
import { removeFactors } from '../mfa/factors.ts';
import { revokeCredentials } from '../session-store.ts';
import { presentUser } from './directory.ts';

type UserRow = typeof users.$inferSelect;

function requireAdmin(w: Work) {
  if (w.actor.role !== 'admin') throw new Forbidden('only tenant admins manage users');
}

export async function findUser(tx: Tx, tenantId: string, userId: string): Promise<UserRow> {
  const [user] = await tx
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)))
    .for('update');
  if (!user) throw new NotFound('user', { resourceType: 'user', resourceId: userId });
  return user;
}

/** A tenant never loses its last active admin (it could not manage itself any more). */
async function assertAnotherAdmin(tx: Tx, tenantId: string, userId: string) {
  const others = await tx.$count(
    users,
    and(
      eq(users.tenantId, tenantId),
      eq(users.role, 'admin'),
      eq(users.status, 'active'),
      ne(users.id, userId),
    ),
  );
  if (others === 0)
    throw new Conflict('the tenant would have no active admin left', { reason: 'last_admin' });
}

export interface UserPatch {
  role?: TenantRole | undefined;
  status?: 'active' | 'disabled' | undefined;
  name?: string | undefined;
  breakGlass?: boolean | undefined;
}

/**
 * Changes a user's role, name or break-glass designation, disables them (every session and
 * token revoked; the next request is refused) or re-enables them. Takes effect on the user's
 * next request: the actor load reads role and status every time.
 */
export async function applyUserPatch(
  tx: Tx,
  tenantId: string,
  user: UserRow,
  patch: UserPatch,
  by: { actorId: string },
): Promise<{ user: UserRow; changes: Record<string, unknown> }> {
  const changes: Record<string, unknown> = {};
  const set: Partial<typeof users.$inferInsert> = {};
  if (patch.role !== undefined && patch.role !== user.role) {
    if (user.role === 'admin' && user.status === 'active') await assertAnotherAdmin(tx, tenantId, user.id);
    set.role = patch.role;
    changes.role = { from: user.role, to: patch.role };
  }
  if (patch.name !== undefined && patch.name !== user.name) {
    set.name = patch.name;
    changes.name = true;
  }
  if (patch.breakGlass !== undefined && patch.breakGlass !== user.breakGlass) {
    set.breakGlass = patch.breakGlass;
    changes.breakGlass = patch.breakGlass;
  }
  if (patch.status !== undefined && patch.status !== user.status) {
    if (patch.status === 'disabled') {
      if (user.id === by.actorId) throw new Conflict('you cannot disable yourself');
      if (user.role === 'admin') await assertAnotherAdmin(tx, tenantId, user.id);
      set.disabledAt = new Date();
      changes.revoked = await revokeCredentials(tx, tenantId, user.id, 'user_disabled');
    } else if (user.status === 'invited') {
      throw new Conflict('an invited user becomes active by accepting the invitation');
    } else {
      set.disabledAt = null;
    }
    set.status = patch.status;
    changes.status = { from: user.status, to: patch.status };
  }
  if (Object.keys(set).length === 0) return { user, changes };
  const [saved] = await tx
    .update(users)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(users.tenantId, tenantId), eq(users.id, user.id)))
    .returning();
  return { user: saved!, changes };
}

export async function updateUser({ ctx, input }: { ctx: RequestCtx; input: { id: string } & UserPatch }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const user = await findUser(w.tx, ctx.tenant.id, input.id);
    const { user: saved, changes } = await applyUserPatch(w.tx, ctx.tenant.id, user, input, {
      actorId: w.actor.userId,
    });
    if (Object.keys(changes).length > 0) {
      const status = changes.status as { to: UserStatus } | undefined;
      w.audit({
        action: status ? (status.to === 'disabled' ? 'user.disabled' : 'user.enabled') : 'user.updated',
        resourceType: 'user',
        resourceId: user.id,
        details: changes,
      });
    }
    return presentUser(saved);
  });
}

/**
 * Offboarding, in one transaction: the user's documents and folders (everything they own)
 * go to the chosen user, then every grant they hold, their group memberships, sessions, API
 * and SCIM tokens are revoked, and the user is marked offboarded (the row stays: the audit
 * trail names them). Share links do not exist yet; they will be revoked here too.
 */
export async function offboardInTx(
  tx: Tx,
  tenantId: string,
  user: UserRow,
  transferTo: string | null,
  by: { actorId: string; reason: string },
) {
  if (user.status === 'offboarded') throw new Conflict('the user is already offboarded');
  if (user.id === by.actorId) throw new Conflict('you cannot offboard yourself');
  if (user.role === 'admin' && user.status === 'active') await assertAnotherAdmin(tx, tenantId, user.id);
  let transferred = 0;
  if (transferTo) {
    if (transferTo === user.id) throw new Conflict('documents cannot be transferred to the user leaving');
    const target = await findUser(tx, tenantId, transferTo);
    if (target.status !== 'active') throw new Conflict('documents can only go to an active user');
    transferred = await transferOwnerGrants(tx, tenantId, user.id, target.id, by.actorId);
  }
  const grantsRevoked = await deleteGrantsHeldBy(tx, tenantId, user.id);
  await tx
    .delete(groupMembers)
    .where(and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.userId, user.id)));
  const credentialsRevoked = await revokeCredentials(tx, tenantId, user.id, by.reason);
  const [saved] = await tx
    .update(users)
    .set({
      status: 'offboarded',
      offboardedAt: sql`now()`,
      disabledAt: sql`coalesce(${users.disabledAt}, now())`,
      breakGlass: false,
      updatedAt: new Date(),
    })
    .where(and(eq(users.tenantId, tenantId), eq(users.id, user.id)))
    .returning();
  return { user: saved!, transferred, grantsRevoked, credentialsRevoked };
}

export async function offboardUser({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; transferTo: string | null };
}) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const user = await findUser(w.tx, ctx.tenant.id, input.id);
    const done = await offboardInTx(w.tx, ctx.tenant.id, user, input.transferTo, {
      actorId: w.actor.userId,
      reason: 'user_offboarded',
    });
    w.audit({
      action: 'user.offboarded',
      resourceType: 'user',
      resourceId: user.id,
      details: {
        transferTo: input.transferTo,
        transferred: done.transferred,
        grantsRevoked: done.grantsRevoked,
        credentialsRevoked: done.credentialsRevoked,
      },
    });
    return {
      user: presentUser(done.user),
      transferred: done.transferred,
      grantsRevoked: done.grantsRevoked,
      credentialsRevoked: done.credentialsRevoked,
    };
  });
}

/** An admin ends every session and token of a user (a lost laptop, a suspected compromise). */
export async function revokeUserSessions({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const user = await findUser(w.tx, ctx.tenant.id, input.id);
    const revoked = await revokeCredentials(w.tx, ctx.tenant.id, user.id, 'admin_revoked');
    w.audit({
      action: 'user.sessions_revoked',
      resourceType: 'user',
      resourceId: user.id,
      details: { revoked },
    });
    return { revoked };
  });
}

/** An admin removes a user's second factor (a lost phone); their logins end, they enrol again. */
export async function resetUserMfa({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const user = await findUser(w.tx, ctx.tenant.id, input.id);
    const removed = await removeFactors(w.tx, ctx.tenant.id, user.id);
    const revoked = await revokeCredentials(w.tx, ctx.tenant.id, user.id, 'mfa_reset', ['bearer', 'cookie']);
    w.audit({
      action: 'user.mfa_reset',
      resourceType: 'user',
      resourceId: user.id,
      details: { removed, revoked },
    });
    return { removed, revoked };
  });
}
