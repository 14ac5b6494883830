import type { TenantRole } from '@quire/shared/tenancy';
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tenant-tx.ts';
import { pgArray, type Resource } from './policy.ts';

export interface Reader {
  userId: string;
  name: string;
  email: string;
  role: TenantRole;
  canRead: boolean;
}

/**
 * Whether each of these users (active users of the transaction's tenant) may read a resource
 * now: the same rule as `effectiveRole` (admins read everything; anyone else through a grant to
 * them or one of their groups on the resource or a folder above it), for many users in one
 * statement. Used before telling someone about a resource (mentions, replies, mails): nobody
 * is told about what they cannot see. Users not found (another tenant's, inactive) are absent.
 */
export async function readersOf(
  tx: Tx,
  tenantId: string,
  userIds: string[],
  resource: Resource,
): Promise<Map<string, Reader>> {
  if (userIds.length === 0) return new Map();
  const ids = [...resource.ancestorIds, resource.id];
  const rows = await tx.execute<{
    id: string;
    name: string;
    email: string;
    role: TenantRole;
    granted: boolean;
  }>(sql`
    select u.id, u.name, u.email, u.role,
      exists (select 1 from grants g
              where g.tenant_id = u.tenant_id and g.resource_id = any(${pgArray(ids)}::text[])
                and (g.principal_id = u.id or g.principal_id in (
                  select gm.group_id from group_members gm where gm.tenant_id = u.tenant_id and gm.user_id = u.id))) as granted
    from users u
    where u.tenant_id = ${tenantId} and u.id = any(${pgArray([...new Set(userIds)])}::text[]) and u.status = 'active'`);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        userId: r.id,
        name: r.name,
        email: r.email,
        role: r.role,
        canRead: r.role === 'admin' || Boolean(r.granted),
      },
    ]),
  );
}

/** Active members of groups of the tenant (bounded: a mention of a huge group is refused upstream). */
export async function groupMembers(
  tx: Tx,
  tenantId: string,
  groupIds: string[],
): Promise<Map<string, { name: string; userIds: string[] }>> {
  if (groupIds.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; name: string; members: string[] }>(sql`
    select g.id, g.name, coalesce(array_agg(u.id) filter (where u.id is not null), '{}') as members
    from groups g
    left join group_members gm on gm.tenant_id = g.tenant_id and gm.group_id = g.id
    left join users u on u.tenant_id = gm.tenant_id and u.id = gm.user_id and u.status = 'active'
    where g.tenant_id = ${tenantId} and g.id = any(${pgArray(groupIds)}::text[])
    group by g.id, g.name`);
  return new Map(rows.map((r) => [r.id, { name: r.name, userIds: r.members }]));
}
