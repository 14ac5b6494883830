import { Conflict, Forbidden, NotFound } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import type { TenantRole } from '@quire/shared/tenancy';
import { and, asc, eq } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { isUniqueViolation } from '../../../db/errors.ts';
import { groupMembers, groups, notTombstone, type UserStatus, users } from '../../../db/schema/index.ts';
import { type Work, withActor } from '../../../unit-of-work.ts';
import { chargeUsage } from '../../quotas/usage.ts';
import { hashPassword } from '../passwords.ts';

/** Managing people and groups is for tenant admins only. */
function requireAdmin(w: Work) {
  if (w.actor.role !== 'admin') throw new Forbidden('only tenant admins manage users and groups');
}

export const presentUser = (u: typeof users.$inferSelect) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role as TenantRole,
  status: u.status as UserStatus,
  breakGlass: u.breakGlass,
  scimManaged: u.scimManaged,
  createdAt: u.createdAt.toISOString(),
  disabledAt: u.disabledAt?.toISOString() ?? null,
  offboardedAt: u.offboardedAt?.toISOString() ?? null,
});

export async function createUser({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { email: string; name: string; role: TenantRole; password?: string };
}) {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    // Counted in this transaction, before the row: racing for the last seat, one wins (403 quota_exceeded).
    await chargeUsage(w.tx, ctx.tenant.id, ctx.tenant.limits, { users: 1 });
    const [user] = await w.tx
      .insert(users)
      .values({
        tenantId: ctx.tenant.id,
        id: newId('user'),
        email: input.email,
        name: input.name,
        role: input.role,
        status: passwordHash ? 'active' : 'invited',
        passwordHash,
      })
      .returning()
      .catch((e) => {
        if (isUniqueViolation(e)) throw new Conflict('a user with this email exists');
        throw e;
      });
    w.audit({
      action: 'user.created',
      resourceType: 'user',
      resourceId: user!.id,
      details: { role: input.role },
    });
    return presentUser(user!);
  });
}

export async function listUsers({ ctx }: { ctx: RequestCtx }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const rows = await w.tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, ctx.tenant.id), notTombstone))
      .orderBy(asc(users.id))
      .limit(1000);
    return { items: rows.map(presentUser) };
  });
}

export async function createGroup({ ctx, input }: { ctx: RequestCtx; input: { name: string } }) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const [group] = await w.tx
      .insert(groups)
      .values({ tenantId: ctx.tenant.id, id: newId('group'), name: input.name })
      .returning()
      .catch((e) => {
        if (isUniqueViolation(e)) throw new Conflict('a group with this name exists');
        throw e;
      });
    w.audit({ action: 'group.created', resourceType: 'group', resourceId: group!.id });
    return { id: group!.id, name: group!.name, createdAt: group!.createdAt.toISOString() };
  });
}

export async function setMembership({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { groupId: string; userId: string; member: boolean };
}) {
  return withActor(ctx, async (w) => {
    requireAdmin(w);
    const t = ctx.tenant.id;
    const [group] = await w.tx
      .select()
      .from(groups)
      .where(and(eq(groups.tenantId, t), eq(groups.id, input.groupId)));
    if (!group) throw new NotFound('group', { resourceType: 'group', resourceId: input.groupId });
    const [user] = await w.tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, t), eq(users.id, input.userId)));
    if (!user) throw new NotFound('user', { resourceType: 'user', resourceId: input.userId });
    if (input.member)
      await w.tx
        .insert(groupMembers)
        .values({ tenantId: t, groupId: group.id, userId: user.id })
        .onConflictDoNothing();
    else
      await w.tx
        .delete(groupMembers)
        .where(
          and(
            eq(groupMembers.tenantId, t),
            eq(groupMembers.groupId, group.id),
            eq(groupMembers.userId, user.id),
          ),
        );
    w.audit({
      action: input.member ? 'group.member_added' : 'group.member_removed',
      resourceType: 'group',
      resourceId: group.id,
      details: { userId: user.id },
    });
  });
}
