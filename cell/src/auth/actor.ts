import { Unauthenticated } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import type { AccessClaims } from '@quire/shared/tokens';
import type { Tx } from '../db/tenant-tx.ts';

/** The caller as the database knows them right now: role, groups, live session. */
export interface ActorRecord {
  userId: string;
  role: TenantRole;
  sessionId: string;
  /** The user's own id and the ids of their groups: whoever a grant may name. */
  principalIds: string[];
}

/**
 * Re-reads the user and session on every request, inside the request's transaction:
 * a disabled user, a changed role or a revoked session takes effect at once, not when
 * the 15-minute access token expires.
 */
export async function loadActor(tx: Tx, claims: AccessClaims): Promise<ActorRecord> {
  // On every request: a raw prepared statement (no query builder work per call).
  const rows = await tx.conn<{ role: TenantRole; groups: string[] }[]>`
    select u.role, coalesce(array_agg(gm.group_id) filter (where gm.group_id is not null), '{}') as groups
    from users u
    join sessions s on s.tenant_id = u.tenant_id and s.id = ${claims.sid} and s.user_id = u.id
    left join group_members gm on gm.tenant_id = u.tenant_id and gm.user_id = u.id
    where u.id = ${claims.sub} and u.status = 'active' and s.revoked_at is null and s.expires_at > now()
    group by u.role`;
  const row = rows[0];
  if (!row) throw new Unauthenticated('session is no longer valid');
  return actorOf(claims, row.role, row.groups);
}

/** The actor from the session's row as a query read it (loadActor, or a one-statement read). */
export function actorOf(claims: AccessClaims, role: TenantRole, groups: string[]): ActorRecord {
  return { userId: claims.sub, role, sessionId: claims.sid, principalIds: [claims.sub, ...groups] };
}
