import { Forbidden, NotFound } from '@quire/shared/errors';
import type { GrantRole } from '@quire/shared/tenancy';
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tenant-tx.ts';
import type { ActorRecord } from './actor.ts';

/**
 * The one authorization function every route uses.
 *
 * - A tenant admin may do anything in the tenant (effective role: owner).
 * - Anyone else sees a folder or document only through a grant to them or one of their
 *   groups, on the resource itself or on any folder above it (grants inherit down).
 * - The tenant role is a ceiling: a tenant viewer is at most a viewer, whatever a grant says.
 * - What the caller cannot see is "not found", never "forbidden": existence is not revealed.
 */
export type Action = 'read' | 'write' | 'manage';
export type ResourceType = 'folder' | 'document';

export interface Resource {
  type: ResourceType;
  id: string;
  /** Folder ids from the root down to the resource's parent folder. */
  ancestorIds: string[];
}

const RANK: Record<GrantRole, number> = { viewer: 1, editor: 2, owner: 3 };
const NEEDS: Record<Action, number> = { read: 1, write: 2, manage: 3 };

export async function effectiveRole(
  tx: Tx,
  actor: ActorRecord,
  resource: Resource,
): Promise<GrantRole | null> {
  if (actor.role === 'admin') return 'owner';
  const ids = [...resource.ancestorIds, resource.id];
  const rows = await tx.execute<{ role: GrantRole }>(sql`
    select role from grants
    where resource_id = any(${pgArray(ids)}::text[]) and principal_id = any(${pgArray(actor.principalIds)}::text[])`);
  let best: GrantRole | null = null;
  for (const { role } of rows) if (!best || RANK[role] > RANK[best]) best = role;
  return roleOf(actor, best);
}

/** The effective role from the best grant the actor holds there: admins own, viewers stay viewers. */
export function roleOf(actor: ActorRecord, bestGrant: GrantRole | null): GrantRole | null {
  if (actor.role === 'admin') return 'owner';
  if (bestGrant && actor.role === 'viewer') return 'viewer';
  return bestGrant;
}

export function allows(role: GrantRole | null, action: Action): boolean {
  return role !== null && RANK[role] >= NEEDS[action];
}

/** Throws NotFound when the actor cannot see the resource, Forbidden when they can but may not act. */
export async function authorize(
  tx: Tx,
  actor: ActorRecord,
  action: Action,
  resource: Resource,
): Promise<GrantRole> {
  return check(await effectiveRole(tx, actor, resource), action, resource);
}

/** `authorize` for a role already known (read with the resource itself). */
export function check(
  role: GrantRole | null,
  action: Action,
  resource: Pick<Resource, 'type' | 'id'>,
): GrantRole {
  const details = { resourceType: resource.type, resourceId: resource.id };
  if (!allows(role, 'read')) throw new NotFound(resource.type, details);
  if (!allows(role, action)) throw new Forbidden(`you may not ${action} this ${resource.type}`, details);
  return role!;
}

/** Creating at the top level needs a tenant role that can edit. */
export function authorizeRootCreate(actor: ActorRecord): void {
  if (actor.role === 'viewer') throw new Forbidden('viewers cannot create content');
}

/** What the caller may do with a resource, so a UI knows which buttons to show. */
export function abilities(role: GrantRole | null) {
  return { read: allows(role, 'read'), write: allows(role, 'write'), manage: allows(role, 'manage') };
}

/** Ancestor ids from a materialized folder path such as `/fld_a/fld_b/`. */
export function idsFromPath(path: string | null | undefined): string[] {
  return path ? path.split('/').filter(Boolean) : [];
}

/** A text[] literal for binding an id list as one parameter. Ids are validated, but quote anyway. */
export function pgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
