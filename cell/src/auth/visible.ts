import { sql } from 'drizzle-orm';
import type { Tx } from '../db/tenant-tx.ts';
import type { ActorRecord } from './actor.ts';
import { pgArray, type ResourceType } from './policy.ts';

export interface ResourceRef {
  type: ResourceType;
  id: string;
}

/**
 * Which of these folders and documents the actor may read now, in one statement (the rule of
 * `effectiveRole`: admins read everything that exists; others through a grant to them or their
 * groups on the resource or a folder above it). For lists that mention many resources
 * (notifications, activity), filtered before anything is shown.
 */
export async function readableResources(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  refs: ResourceRef[],
): Promise<Set<string>> {
  const docIds = [...new Set(refs.filter((r) => r.type === 'document').map((r) => r.id))];
  const folderIds = [...new Set(refs.filter((r) => r.type === 'folder').map((r) => r.id))];
  if (docIds.length + folderIds.length === 0) return new Set();
  const admin = actor.role === 'admin';
  const rows = await tx.execute<{ id: string; ok: boolean }>(sql`
    with r as (
      select d.id, d.id || string_to_array(trim(both '/' from coalesce(f.path, '')), '/') as ids
      from documents d left join folders f on f.tenant_id = d.tenant_id and f.id = d.folder_id
      where d.tenant_id = ${tenantId} and d.id = any(${pgArray(docIds)}::text[])
      union all
      select f.id, string_to_array(trim(both '/' from f.path), '/')
      from folders f where f.tenant_id = ${tenantId} and f.id = any(${pgArray(folderIds)}::text[]))
    select r.id, ${admin} or exists (
      select 1 from grants g where g.tenant_id = ${tenantId} and g.resource_id = any(r.ids)
        and g.principal_id = any(${pgArray(actor.principalIds)}::text[])) as ok
    from r`);
  return new Set(rows.filter((r) => r.ok).map((r) => r.id));
}
