import { QuireError } from '@quire/shared/errors';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { pgArray, type Resource } from '../../auth/policy.ts';
import { groupMembers, readersOf } from '../../auth/readers.ts';
import { groups, users } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { Mention } from './repo.ts';

const MARKER = /@\[((?:usr|grp)_[0-9a-z]{25})\]/g;
const EMAIL = /(?<![\w.@])@([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24})/g;
const MAX_MENTIONS = 50;
/** A group larger than this cannot be mentioned (one comment would notify a crowd). */
export const MAX_GROUP_MENTION = 500;

/** The mention markers and emails a text names (not yet checked against the directory). */
export function parseMentions(body: string): { ids: string[]; emails: string[] } {
  const ids = [...new Set([...body.matchAll(MARKER)].map((m) => m[1]!))];
  const emails = [...new Set([...body.matchAll(EMAIL)].map((m) => m[1]!.toLowerCase()))];
  return { ids, emails };
}

export interface ResolvedMentions {
  /** The text with email mentions rewritten to markers, so later renames never break them. */
  body: string;
  mentions: Mention[];
  /** Everyone a mention reaches: users named, and the active members of groups named. */
  recipients: string[];
  groupsById: Map<string, { name: string; userIds: string[] }>;
}

/**
 * Resolves mentions on the server, within the tenant: a marker naming an id that is not an
 * active user or a group of this tenant is refused (another tenant's id is just as unknown);
 * an email that matches no user stays plain text.
 */
export async function resolveMentions(tx: Tx, tenantId: string, body: string): Promise<ResolvedMentions> {
  const { ids, emails } = parseMentions(body);
  const userIds = ids.filter((id) => id.startsWith('usr_'));
  const groupIds = ids.filter((id) => id.startsWith('grp_'));
  const [byId, byEmail, groupRows] = await Promise.all([
    userIds.length
      ? tx
          .select({ id: users.id, name: users.name })
          .from(users)
          .where(and(eq(users.tenantId, tenantId), inArray(users.id, userIds), eq(users.status, 'active')))
      : [],
    emails.length
      ? tx.execute<{ id: string; name: string; email: string }>(sql`
          select id, name, lower(email) as email from users
          where tenant_id = ${tenantId} and lower(email) = any(${pgArray(emails)}::text[]) and status = 'active'`)
      : [],
    groupIds.length
      ? tx
          .select({ id: groups.id, name: groups.name })
          .from(groups)
          .where(and(eq(groups.tenantId, tenantId), inArray(groups.id, groupIds)))
      : [],
  ]);
  const known = new Set([...byId.map((u) => u.id), ...groupRows.map((g) => g.id)]);
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new QuireError('validation_failed', 'a mention names nobody in this organisation', [
      { path: 'body', message: `unknown mention: ${unknown.join(', ')}` },
    ]);
  }
  const emailUsers = new Map([...byEmail].map((u) => [u.email, u]));
  const rewritten = body.replace(EMAIL, (whole, email: string) => {
    const u = emailUsers.get(email.toLowerCase());
    return u ? `@[${u.id}]` : whole;
  });
  const mentions = new Map<string, Mention>();
  for (const u of [...byId, ...byEmail]) mentions.set(u.id, { type: 'user', id: u.id, name: u.name });
  for (const g of groupRows) mentions.set(g.id, { type: 'group', id: g.id, name: g.name });
  if (mentions.size > MAX_MENTIONS) {
    throw new QuireError('validation_failed', `at most ${MAX_MENTIONS} mentions per comment`, [
      { path: 'body', message: 'too many mentions' },
    ]);
  }
  const groupsById = await groupMembers(
    tx,
    tenantId,
    groupRows.map((g) => g.id),
  );
  for (const [id, g] of groupsById) {
    if (g.userIds.length > MAX_GROUP_MENTION)
      throw new QuireError('validation_failed', 'this group is too large to mention', [
        { path: 'body', message: `group ${id} has more than ${MAX_GROUP_MENTION} members` },
      ]);
  }
  const recipients = new Set<string>();
  for (const m of mentions.values()) if (m.type === 'user') recipients.add(m.id);
  for (const g of groupsById.values()) for (const u of g.userIds) recipients.add(u);
  return { body: rewritten, mentions: [...mentions.values()], recipients: [...recipients], groupsById };
}

export interface MentionRefusal {
  users: { id: string; name: string }[];
  groups: { id: string; name: string; membersWithoutAccess: number }[];
}

/**
 * Who a mention would tell about a document they cannot read. Nobody learns of a document
 * through a mention: the comment is refused and the author offered to share it first.
 */
export async function mentionsWithoutAccess(
  tx: Tx,
  tenantId: string,
  resolved: ResolvedMentions,
  resource: Resource,
): Promise<MentionRefusal | null> {
  const readers = await readersOf(tx, tenantId, resolved.recipients, resource);
  const cannot = (userId: string) => !readers.get(userId)?.canRead;
  const usersOut = resolved.mentions
    .filter((m) => m.type === 'user' && cannot(m.id))
    .map((m) => ({ id: m.id, name: m.name }));
  const groupsOut = [...resolved.groupsById]
    .map(([id, g]) => ({ id, name: g.name, membersWithoutAccess: g.userIds.filter(cannot).length }))
    .filter((g) => g.membersWithoutAccess > 0);
  return usersOut.length + groupsOut.length > 0 ? { users: usersOut, groups: groupsOut } : null;
}
