import type { TenantRole } from '@quire/shared/tenancy';
import { sql } from 'drizzle-orm';
import { type ActorRecord, actingFor } from '../../auth/actor.ts';
import type { Tx } from '../../db/tenant-tx.ts';

/**
 * A job acts as the person who started it, with their rights as they are when each item is
 * done (role, groups), not as they were at the request: someone removed since has their job
 * stop. Null when the user is no longer active.
 */
export async function jobActor(tx: Tx, tenantId: string, userId: string): Promise<ActorRecord | null> {
  const [row] = await tx.execute<{ role: TenantRole; groups: string[] }>(sql`
    select u.role, coalesce(array_agg(gm.group_id) filter (where gm.group_id is not null), '{}') as groups
    from users u left join group_members gm on gm.tenant_id = u.tenant_id and gm.user_id = u.id
    where u.tenant_id = ${tenantId} and u.id = ${userId} and u.status = 'active'
    group by u.role`);
  return row ? actingFor({ userId, role: row.role, principalIds: [userId, ...row.groups] }) : null;
}
