import { Unauthenticated } from '@quire/shared/errors';
import type { TenantRole } from '@quire/shared/tenancy';
import type { AccessClaims } from '@quire/shared/tokens';
import type { Tx } from '../db/tenant-tx.ts';
import type { CredentialKind } from './credentials.ts';

/** The caller as the database knows them right now: role, groups, live credential. */
export interface ActorRecord {
  userId: string;
  role: TenantRole;
  sessionId: string;
  /** The user's own id and the ids of their groups: whoever a grant may name. */
  principalIds: string[];
  /** What the credential is: a login (bearer or cookie), a personal API token or a SCIM token. */
  kind: CredentialKind;
  /** An API token's scopes (empty for logins). */
  scopes: string[];
}

type ActorRow = { role: TenantRole; groups: string[]; kind: CredentialKind; scopes: string[] };

/**
 * Re-reads the user and the credential on every request, inside the request's transaction,
 * through `session_actor()` (migration 0009): a disabled user, a changed role, a revoked
 * session or token, or a second factor now required and not passed takes effect at once, not
 * when the 15-minute access token expires.
 */
export async function loadActor(tx: Tx, claims: AccessClaims): Promise<ActorRecord> {
  // On every request: a raw prepared statement (no query builder work per call).
  const rows = await tx.conn<ActorRow[]>`select * from session_actor(${claims.sub}, ${claims.sid})`;
  const row = rows[0];
  if (!row) throw new Unauthenticated('session is no longer valid');
  return actorOf(claims, row);
}

/** The actor from the credential's row as a query read it (loadActor, or a one-statement read). */
export function actorOf(claims: AccessClaims, row: ActorRow): ActorRecord {
  return {
    userId: claims.sub,
    role: row.role,
    sessionId: claims.sid,
    principalIds: [claims.sub, ...row.groups],
    kind: row.kind,
    scopes: row.scopes,
  };
}

/**
 * The worker acting for a user (bulk jobs, mail digests, pushes): the user's role and principals,
 * no session, as a login would see (a job started with an API token is not narrowed to its scopes).
 */
export function actingFor(o: { userId: string; role: TenantRole; principalIds: string[] }): ActorRecord {
  return { ...o, sessionId: '', kind: 'bearer', scopes: [] };
}
