import { sql } from 'drizzle-orm';
import type { AccessFilter } from '../../adapters/search-index/port.ts';
import type { ActorRecord } from '../../auth/actor.ts';
import { pgArray } from '../../auth/policy.ts';
import type { Tx } from '../../db/tenant-tx.ts';

/**
 * THE one place that turns the caller into the AccessFilter every engine applies, mirroring
 * permissions/policy.ts for `read`: a tenant admin reads everything; anyone else reads a
 * document through a grant (any role) to them or one of their groups on the document itself
 * or on a folder above it. The tenant role caps what a grant allows, never whether it allows
 * reading, so it plays no part here.
 *
 * Read inside the request's tenant transaction, from the grants as they are now: a revoked
 * grant stops matching on the very next query, whatever the index holds.
 */
export async function buildAccessFilter(tx: Tx, tenantId: string, actor: ActorRecord): Promise<AccessFilter> {
  if (actor.role === 'admin') return { all: true };
  const rows = await tx.execute<{ resource_type: string; resource_id: string }>(sql`
    select distinct resource_type, resource_id from grants
    where tenant_id = ${tenantId} and principal_id = any(${pgArray(actor.principalIds)}::text[])`);
  const folderIds: string[] = [];
  const documentIds: string[] = [];
  for (const r of rows) (r.resource_type === 'folder' ? folderIds : documentIds).push(r.resource_id);
  return { all: false, folderIds, documentIds };
}
