import { sql } from 'drizzle-orm';
import { blobKey } from '../../../adapters/blob-store/port.ts';
import type { CellDeps } from '../../../context.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { type Identifiers, mentions } from '../identifiers.ts';

/**
 * Blobs the person alone owns: the export zips of their bulk jobs (their own selection of the
 * tenant's documents, made for them). Document versions and their derived blobs (extracted
 * text, previews) belong to the tenant's documents, which are kept and reassigned; they are
 * ciphertext under the tenant's key and are named by ids only. Notification mails are not kept
 * by the cell (SMTP hands them over; the rows go with the Postgres step). There is no profile
 * picture in Quire. Keys are also checked for the person's identifiers (none should name them).
 */
async function exportKeys(deps: CellDeps, tenantId: string, userId: string): Promise<string[]> {
  const rows = await withTenantTx(
    deps.db,
    tenantId,
    (tx) =>
      tx.execute<{ key: string }>(sql`
        select result_blob_key as key from bulk_jobs
        where tenant_id = ${tenantId} and created_by = ${userId} and result_blob_key is not null`),
    { readOnly: true },
  );
  return rows.map((r) => r.key);
}

async function keysNaming(deps: CellDeps, tenantId: string, ids: Identifiers): Promise<string[]> {
  const out: string[] = [];
  for await (const blob of deps.blobs.list(blobKey(tenantId)))
    if (mentions(blob.key, ids)) out.push(blob.key);
  return out;
}

export const blobStore = {
  name: 'blobs' as const,
  async erase(deps: CellDeps, tenantId: string, ids: Identifiers): Promise<number> {
    const keys = [
      ...(await exportKeys(deps, tenantId, ids.userId)),
      ...(await keysNaming(deps, tenantId, ids)),
    ];
    for (const key of keys) await deps.blobs.delete(key);
    return keys.length;
  },
  async verify(deps: CellDeps, tenantId: string, ids: Identifiers) {
    let count = (await keysNaming(deps, tenantId, ids)).length;
    for (const key of await exportKeys(deps, tenantId, ids.userId)) if (await deps.blobs.exists(key)) count++;
    return {
      query: `list ${blobKey(tenantId)}/: keys naming the user; exports of their bulk jobs still present`,
      count,
    };
  },
};
