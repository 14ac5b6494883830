import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tenant-tx.ts';
import { pgArray } from './policy.ts';

type Ids = readonly (string | null | undefined)[];

/** `name` by `id` of the rows of a tenant's users or groups with these ids (blanks and repeats skipped). */
async function namesIn(
  tx: Tx,
  table: 'users' | 'groups',
  tenantId: string,
  ids: Ids,
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (wanted.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; name: string }>(sql`
    select id, name from ${sql.identifier(table)} where tenant_id = ${tenantId} and id = any(${pgArray(wanted)}::text[])`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * Display names of a tenant's users, by id: what any member who may see an object may see
 * beside the ids it carries (a comment's author, a notification's actor, a request's requester,
 * a link's creator), so a screen never needs the directory, which is for admins. A name only,
 * never an email. An erased user is the "Deleted user" account, so their name is that; an id
 * that names nobody of the tenant is absent (presenters answer null).
 */
export const displayNames = (tx: Tx, tenantId: string, ids: Ids) => namesIn(tx, 'users', tenantId, ids);

/** Names of a tenant's groups, by id (a grant to a group shows which group to whoever sees the grant). */
export const groupNames = (tx: Tx, tenantId: string, ids: Ids) => namesIn(tx, 'groups', tenantId, ids);

/** The name beside an id in a response: null when there is no id or nobody by it. */
export const nameOf = (names: Map<string, string>, id: string | null | undefined): string | null =>
  id ? (names.get(id) ?? null) : null;
