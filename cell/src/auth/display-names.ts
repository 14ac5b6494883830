import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tenant-tx.ts';
import { pgArray } from './policy.ts';

/**
 * Display names of a tenant's users, by id: what any member who may see an object may see
 * beside the ids it carries (a comment's author, a notification's actor, a request's requester,
 * a link's creator), so a screen never needs the directory, which is for admins. A name only,
 * never an email. An erased user is the "Deleted user" account, so their name is that; an id
 * that names nobody of the tenant is absent (presenters answer null).
 */
export async function displayNames(
  tx: Tx,
  tenantId: string,
  ids: readonly (string | null | undefined)[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (wanted.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; name: string }>(sql`
    select id, name from users where tenant_id = ${tenantId} and id = any(${pgArray(wanted)}::text[])`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Names of a tenant's groups, by id (a grant to a group shows which group to whoever sees the grant). */
export async function groupNames(
  tx: Tx,
  tenantId: string,
  ids: readonly (string | null | undefined)[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (wanted.length === 0) return new Map();
  const rows = await tx.execute<{ id: string; name: string }>(sql`
    select id, name from groups where tenant_id = ${tenantId} and id = any(${pgArray(wanted)}::text[])`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The name beside an id in a response: null when there is no id or nobody by it. */
export const nameOf = (names: Map<string, string>, id: string | null | undefined): string | null =>
  id ? (names.get(id) ?? null) : null;
