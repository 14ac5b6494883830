import { Conflict, NotFound, QuireError, QuotaExceeded } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import SCIMMY from 'scimmy';
import type { RequestCtx } from '../../context.ts';
import { grants, groupMembers, groups, notTombstone, users } from '../../db/schema/index.ts';
import type { Work } from '../../unit-of-work.ts';
import { readIdentitySettings } from '../identity/settings-store.ts';
import { applyUserPatch, findUser, offboardInTx } from '../identity/verbs/lifecycle.ts';
import { chargeUsage } from '../quotas/usage.ts';

/**
 * SCIM 2.0 Users and Groups (RFC 7643/7644) on scimmy: scimmy parses filters, applies PATCH
 * operations and shapes list responses; the handlers below read and write the tenant's rows
 * inside the request's tenant transaction (`ctx.w`), as the SCIM token's admin. Deactivating
 * a user (`active: false`) or deleting them is offboarding: every session, grant and token
 * revoked, their documents handed to the tenant's `deprovisionTransferTo` user.
 */
export interface ScimCtx {
  w: Work;
  ctx: RequestCtx;
}

type UserRow = typeof users.$inferSelect;
const MAX_LIST = 10_000;

SCIMMY.Config.set({
  patch: true,
  filter: 200,
  bulk: false,
  changePassword: false,
  sort: false,
  etag: false,
  authenticationSchemes: [
    {
      type: 'oauthbearertoken',
      name: 'SCIM token',
      description: 'A per-tenant SCIM token created by a tenant admin (POST /v1/scim/tokens)',
    },
  ],
});

export const scimUser = (u: UserRow) => ({
  id: u.id,
  externalId: u.externalId ?? undefined,
  userName: u.email,
  displayName: u.name,
  name: { formatted: u.name },
  emails: [{ value: u.email, primary: true, type: 'work' }],
  active: u.status === 'active',
  meta: { created: u.createdAt, lastModified: u.updatedAt },
});

function scimError(err: unknown): never {
  if (err instanceof SCIMMY.Types.Error) throw err;
  if (err instanceof NotFound) throw new SCIMMY.Types.Error(404, null as never, err.message);
  if (err instanceof Conflict) throw new SCIMMY.Types.Error(409, 'uniqueness', err.message);
  if (err instanceof QuireError && err.status < 500)
    throw new SCIMMY.Types.Error(err.status as 400, null as never, err.message);
  throw err;
}

/** `userName eq "x"` (what provisioning clients ask before creating): answered by an index lookup. */
function userNameEquals(filter: unknown): string | null {
  if (!Array.isArray(filter) || filter.length !== 1) return null;
  const expr = filter[0] as Record<string, unknown>;
  const keys = Object.keys(expr);
  const cond = expr.userName;
  if (keys.length !== 1 || !Array.isArray(cond) || cond[0] !== 'eq' || typeof cond[1] !== 'string')
    return null;
  return cond[1];
}

SCIMMY.Resources.declare(SCIMMY.Resources.User.basepath('/scim/v2') as typeof SCIMMY.Resources.User);
SCIMMY.Resources.declare(SCIMMY.Resources.Group.basepath('/scim/v2') as typeof SCIMMY.Resources.Group);

SCIMMY.Resources.User.egress(async (resource, scim?: ScimCtx) => {
  const { w, ctx } = scim!;
  const t = ctx.tenant.id;
  if (resource.id) {
    const [u] = await w.tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, t), eq(users.id, resource.id)));
    if (!u) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
    return scimUser(u) as never;
  }
  const userName = userNameEquals(resource.filter);
  const rows = await w.tx
    .select()
    .from(users)
    .where(
      userName
        ? and(eq(users.tenantId, t), notTombstone, sql`lower(${users.email}) = lower(${userName})`)
        : and(eq(users.tenantId, t), notTombstone),
    )
    .orderBy(asc(users.id))
    .limit(MAX_LIST);
  const all = rows.map(scimUser);
  return (resource.filter && !userName ? resource.filter.match(all) : all) as never;
});

SCIMMY.Resources.User.ingress(async (resource, instance, scim?: ScimCtx) => {
  const { w, ctx } = scim!;
  const t = ctx.tenant.id;
  const data = instance as unknown as {
    userName?: string;
    displayName?: string;
    name?: { formatted?: string; givenName?: string; familyName?: string };
    emails?: { value?: string; primary?: boolean }[];
    active?: boolean;
    externalId?: string;
  };
  const email = (data.userName ?? data.emails?.find((e) => e.primary)?.value ?? data.emails?.[0]?.value ?? '')
    .trim()
    .toLowerCase();
  const name =
    data.displayName ??
    data.name?.formatted ??
    ([data.name?.givenName, data.name?.familyName].filter(Boolean).join(' ') || email);
  try {
    if (!resource.id) {
      if (!/^[^@\s]+@[^@\s]+$/.test(email))
        throw new SCIMMY.Types.Error(400, 'invalidValue', 'userName must be an email address');
      const [taken] = await w.tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.tenantId, t), sql`lower(${users.email}) = ${email}`));
      if (taken) throw new SCIMMY.Types.Error(409, 'uniqueness', 'a user with this userName exists');
      // Counted with the row, in this transaction (quotas/usage.ts): racing for the last seat, one wins.
      await chargeUsage(w.tx, t, ctx.tenant.limits, { users: 1 }).catch((err) => {
        if (err instanceof QuotaExceeded) throw new SCIMMY.Types.Error(409, 'tooMany' as never, err.message);
        throw err;
      });
      const [u] = await w.tx
        .insert(users)
        .values({
          tenantId: t,
          id: newId('user'),
          email,
          name: name.slice(0, 200),
          role: 'viewer',
          status: data.active === false ? 'disabled' : 'active',
          scimManaged: true,
          externalId: data.externalId ?? null,
        })
        .returning();
      w.audit({
        action: 'user.created',
        resourceType: 'user',
        resourceId: u!.id,
        details: { role: 'viewer', via: 'scim' },
      });
      return scimUser(u!) as never;
    }
    let user = await findUser(w.tx, t, resource.id);
    const set: Partial<typeof users.$inferInsert> = { scimManaged: true };
    if (email && email !== user.email.toLowerCase()) set.email = email;
    if (data.externalId !== undefined && data.externalId !== user.externalId)
      set.externalId = data.externalId;
    const [updated] = await w.tx
      .update(users)
      .set({ ...set, updatedAt: new Date() })
      .where(and(eq(users.tenantId, t), eq(users.id, user.id)))
      .returning();
    const patched = await applyUserPatch(
      w.tx,
      t,
      updated!,
      { name: name.slice(0, 200) },
      { actorId: w.actor.userId },
    );
    user = patched.user;
    if (data.active === false && user.status === 'active') {
      const transferTo = (await readIdentitySettings(w.tx, t)).deprovisionTransferTo;
      const done = await offboardInTx(w.tx, t, user, transferTo === user.id ? null : transferTo, {
        actorId: w.actor.userId,
        reason: 'scim_deprovisioned',
      });
      user = done.user;
      w.audit({
        action: 'user.offboarded',
        resourceType: 'user',
        resourceId: user.id,
        details: {
          via: 'scim',
          transferTo,
          transferred: done.transferred,
          credentialsRevoked: done.credentialsRevoked,
        },
      });
    } else if (data.active === true && user.status !== 'active') {
      const enabled = await applyUserPatch(w.tx, t, user, { status: 'active' }, { actorId: w.actor.userId });
      user = enabled.user;
      w.audit({
        action: 'user.enabled',
        resourceType: 'user',
        resourceId: user.id,
        details: { via: 'scim' },
      });
    } else {
      w.audit({
        action: 'user.updated',
        resourceType: 'user',
        resourceId: user.id,
        details: { via: 'scim' },
      });
    }
    return scimUser(user) as never;
  } catch (err) {
    return scimError(err);
  }
});

/** DELETE /Users/{id}: offboarding, as for `active: false` (the row stays for the audit trail). */
SCIMMY.Resources.User.degress(async (resource, scim?: ScimCtx) => {
  const { w, ctx } = scim!;
  const t = ctx.tenant.id;
  try {
    const user = await findUser(w.tx, t, resource.id!);
    if (user.status === 'offboarded') return;
    const transferTo = (await readIdentitySettings(w.tx, t)).deprovisionTransferTo;
    const done = await offboardInTx(w.tx, t, user, transferTo === user.id ? null : transferTo, {
      actorId: w.actor.userId,
      reason: 'scim_deprovisioned',
    });
    w.audit({
      action: 'user.offboarded',
      resourceType: 'user',
      resourceId: user.id,
      details: { via: 'scim', deleted: true, transferTo, transferred: done.transferred },
    });
  } catch (err) {
    scimError(err);
  }
});

async function scimGroup(w: Work, tenantId: string, g: typeof groups.$inferSelect) {
  const members = await w.tx
    .select({ id: users.id, email: users.email })
    .from(groupMembers)
    .innerJoin(users, and(eq(users.tenantId, groupMembers.tenantId), eq(users.id, groupMembers.userId)))
    .where(and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.groupId, g.id)));
  return {
    id: g.id,
    displayName: g.name,
    members: members.map((m) => ({ value: m.id, display: m.email, type: 'User' })),
    meta: { created: g.createdAt, lastModified: g.createdAt },
  };
}

SCIMMY.Resources.Group.egress(async (resource, scim?: ScimCtx) => {
  const { w, ctx } = scim!;
  const t = ctx.tenant.id;
  if (resource.id) {
    const [g] = await w.tx
      .select()
      .from(groups)
      .where(and(eq(groups.tenantId, t), eq(groups.id, resource.id)));
    if (!g) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
    return (await scimGroup(w, t, g)) as never;
  }
  const rows = await w.tx
    .select()
    .from(groups)
    .where(eq(groups.tenantId, t))
    .orderBy(asc(groups.id))
    .limit(1000);
  const all = await Promise.all(rows.map((g) => scimGroup(w, t, g)));
  return (resource.filter ? resource.filter.match(all) : all) as never;
});

SCIMMY.Resources.Group.ingress(async (resource, instance, scim?: ScimCtx) => {
  const { w, ctx } = scim!;
  const t = ctx.tenant.id;
  const data = instance as unknown as { displayName?: string; members?: { value?: string }[] };
  const name = (data.displayName ?? '').trim();
  if (!name) throw new SCIMMY.Types.Error(400, 'invalidValue', 'displayName is required');
  let group: typeof groups.$inferSelect;
  if (!resource.id) {
    const [taken] = await w.tx
      .select({ id: groups.id })
      .from(groups)
      .where(and(eq(groups.tenantId, t), sql`lower(${groups.name}) = lower(${name})`));
    if (taken) throw new SCIMMY.Types.Error(409, 'uniqueness', 'a group with this displayName exists');
    [group] = (await w.tx
      .insert(groups)
      .values({ tenantId: t, id: newId('group'), name })
      .returning()) as [typeof groups.$inferSelect];
    w.audit({
      action: 'group.created',
      resourceType: 'group',
      resourceId: group.id,
      details: { via: 'scim' },
    });
  } else {
    const [g] = await w.tx
      .update(groups)
      .set({ name })
      .where(and(eq(groups.tenantId, t), eq(groups.id, resource.id)))
      .returning();
    if (!g) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
    group = g;
  }
  const wanted = [...new Set((data.members ?? []).map((m) => m.value).filter((v): v is string => !!v))];
  const known = wanted.length
    ? (
        await w.tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.tenantId, t), inArray(users.id, wanted)))
      ).map((u) => u.id)
    : [];
  if (known.length !== wanted.length)
    throw new SCIMMY.Types.Error(400, 'invalidValue', 'a member is not a user of this tenant');
  const current = (
    await w.tx
      .select({ userId: groupMembers.userId })
      .from(groupMembers)
      .where(and(eq(groupMembers.tenantId, t), eq(groupMembers.groupId, group.id)))
  ).map((m) => m.userId);
  const added = known.filter((id) => !current.includes(id));
  const removed = current.filter((id) => !known.includes(id));
  if (added.length)
    await w.tx
      .insert(groupMembers)
      .values(added.map((userId) => ({ tenantId: t, groupId: group.id, userId })));
  if (removed.length)
    await w.tx
      .delete(groupMembers)
      .where(
        and(
          eq(groupMembers.tenantId, t),
          eq(groupMembers.groupId, group.id),
          inArray(groupMembers.userId, removed),
        ),
      );
  if (resource.id || added.length)
    w.audit({
      action: 'group.members_synced',
      resourceType: 'group',
      resourceId: group.id,
      details: { via: 'scim', added, removed },
    });
  return (await scimGroup(w, t, group)) as never;
});

/** DELETE /Groups/{id}: the group, its memberships and every grant naming it. */
SCIMMY.Resources.Group.degress(async (resource, scim?: ScimCtx) => {
  const { w, ctx } = scim!;
  const t = ctx.tenant.id;
  await w.tx.delete(grants).where(and(eq(grants.tenantId, t), eq(grants.principalId, resource.id!)));
  const gone = await w.tx
    .delete(groups)
    .where(and(eq(groups.tenantId, t), eq(groups.id, resource.id!)))
    .returning({ id: groups.id });
  if (gone.length === 0)
    throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
  w.audit({
    action: 'group.deleted',
    resourceType: 'group',
    resourceId: resource.id!,
    details: { via: 'scim' },
  });
});

export { SCIMMY };
