import { QuotaExceeded } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import type { PlanLimits } from '@quire/shared/plans';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { groupMembers, groups, userIdentities, users } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { chargeUsage } from '../quotas/usage.ts';
import { asStrings, mappedRole } from './config.ts';
import { type ConnectionRow, mappingOf } from './repo.ts';

type UserRow = typeof users.$inferSelect;

export class SsoAccountRefused extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`single sign-on refused: ${reason}`);
    this.reason = reason;
  }
}

export interface AssertedIdentity {
  /** The IdP's stable subject (OIDC sub, SAML NameID). */
  subject: string;
  claims: Record<string, unknown>;
  /** The IdP vouches for the email (OIDC email_verified; SAML: the IdP is the tenant's own). */
  emailVerified: boolean;
}

/**
 * Which user an IdP login is, in the connection's tenant only: the identity linked to this
 * connection and subject; else the tenant's user with the asserted (verified) email, now
 * linked; else, with JIT on, a new active user with the mapped role. Role and mapped group
 * memberships follow the IdP on every login. Disabled and offboarded users are refused.
 */
export async function resolveSsoUser(
  tx: Tx,
  c: ConnectionRow,
  id: AssertedIdentity,
  /** The tenant's limits: a JIT user counts against the users quota, in this transaction. */
  limits: PlanLimits,
): Promise<{ user: UserRow; created: boolean; changes: Record<string, unknown> }> {
  const t = c.tenantId;
  const mapping = mappingOf(c);
  if (!id.subject) throw new SsoAccountRefused('no_subject');
  const email = asStrings(id.claims[mapping.emailClaim])[0]?.trim().toLowerCase();
  const name = asStrings(id.claims[mapping.nameClaim])[0]?.trim() || email || id.subject;
  const role = mappedRole(mapping, id.claims);

  let user: UserRow | undefined;
  const [link] = await tx
    .select({ user: users })
    .from(userIdentities)
    .innerJoin(users, and(eq(users.tenantId, userIdentities.tenantId), eq(users.id, userIdentities.userId)))
    .where(
      and(
        eq(userIdentities.tenantId, t),
        eq(userIdentities.connectionId, c.id),
        eq(userIdentities.subject, id.subject),
      ),
    );
  user = link?.user;
  let created = false;
  if (!user) {
    if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new SsoAccountRefused('no_email');
    if (!id.emailVerified) throw new SsoAccountRefused('email_unverified');
    [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, t), sql`lower(${users.email}) = ${email}`))
      .for('update');
    if (!user) {
      if (!c.jit) throw new SsoAccountRefused('unknown_user');
      await chargeUsage(tx, t, limits, { users: 1 }).catch((err) => {
        throw err instanceof QuotaExceeded ? new SsoAccountRefused('users_quota') : err;
      });
      [user] = await tx
        .insert(users)
        .values({
          tenantId: t,
          id: newId('user'),
          email,
          name: name.slice(0, 200),
          role: role ?? mapping.defaultRole,
          status: 'active',
        })
        .returning();
      created = true;
    }
    await tx
      .insert(userIdentities)
      .values({ tenantId: t, connectionId: c.id, subject: id.subject, userId: user!.id })
      .onConflictDoNothing();
  }
  if (user!.status === 'invited') {
    [user] = await tx
      .update(users)
      .set({ status: 'active', updatedAt: new Date() })
      .where(and(eq(users.tenantId, t), eq(users.id, user!.id)))
      .returning();
  }
  if (user!.status !== 'active') throw new SsoAccountRefused(user!.status);

  const changes: Record<string, unknown> = {};
  if (!created && role && role !== user!.role) {
    [user] = await tx
      .update(users)
      .set({ role, updatedAt: new Date() })
      .where(and(eq(users.tenantId, t), eq(users.id, user!.id)))
      .returning();
    changes.role = role;
  }
  const groupChanges = await syncGroups(
    tx,
    t,
    user!.id,
    mapping.groups,
    asStrings(id.claims[mapping.groupsClaim ?? '']),
  );
  if (groupChanges) changes.groups = groupChanges;
  await tx
    .update(userIdentities)
    .set({ lastLoginAt: sql`now()` })
    .where(
      and(
        eq(userIdentities.tenantId, t),
        eq(userIdentities.connectionId, c.id),
        eq(userIdentities.subject, id.subject),
      ),
    );
  return { user: user!, created, changes };
}

/** Memberships of the mapped groups follow the IdP's group values; unmapped groups are left alone. */
async function syncGroups(
  tx: Tx,
  tenantId: string,
  userId: string,
  map: Record<string, string>,
  values: string[],
): Promise<{ added: string[]; removed: string[] } | null> {
  const mapped = [...new Set(Object.values(map))];
  if (mapped.length === 0) return null;
  const existing = await tx
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.tenantId, tenantId), inArray(groups.id, mapped)));
  const known = new Set(existing.map((g) => g.id));
  const want = new Set(values.map((v) => map[v]).filter((g): g is string => !!g && known.has(g)));
  const have = new Set(
    (
      await tx
        .select({ groupId: groupMembers.groupId })
        .from(groupMembers)
        .where(
          and(
            eq(groupMembers.tenantId, tenantId),
            eq(groupMembers.userId, userId),
            inArray(groupMembers.groupId, mapped),
          ),
        )
    ).map((m) => m.groupId),
  );
  const added = [...want].filter((g) => !have.has(g));
  const removed = [...have].filter((g) => !want.has(g));
  if (added.length)
    await tx
      .insert(groupMembers)
      .values(added.map((groupId) => ({ tenantId, groupId, userId })))
      .onConflictDoNothing();
  if (removed.length)
    await tx
      .delete(groupMembers)
      .where(
        and(
          eq(groupMembers.tenantId, tenantId),
          eq(groupMembers.userId, userId),
          inArray(groupMembers.groupId, removed),
        ),
      );
  return added.length || removed.length ? { added, removed } : null;
}
