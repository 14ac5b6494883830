import { sql } from 'drizzle-orm';
import { blobKey } from '../../adapters/blob-store/port.ts';
import { pgArray } from '../../auth/policy.ts';
import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';

/** The blob families the sweeper knows, and the columns that refer to them. */
const SWEPT = ['documents', 'derived'] as const;
const CHUNK = 500;

/**
 * Deletes a tenant's blobs that no row refers to and that were written before `olderThan`.
 * An upload writes its blob before the transaction that refers to it, so a process killed
 * in between (or a commit that failed after the blob was durable) leaves one behind. The
 * grace period is longer than any upload can take; an old unreferenced blob can never
 * become referenced again (every new version gets a fresh key), so deleting it is safe.
 */
export async function sweepOrphanBlobs(
  deps: Pick<CellDeps, 'db' | 'blobs'>,
  tenantId: string,
  olderThan: Date,
): Promise<number> {
  let removed = 0;
  for (const family of SWEPT) {
    let candidates: string[] = [];
    for await (const blob of deps.blobs.list(blobKey(tenantId, family))) {
      if (blob.modifiedAt < olderThan) candidates.push(blob.key);
      if (candidates.length >= CHUNK) {
        removed += await removeUnreferenced(deps, tenantId, candidates);
        candidates = [];
      }
    }
    removed += await removeUnreferenced(deps, tenantId, candidates);
  }
  return removed;
}

async function removeUnreferenced(deps: Pick<CellDeps, 'db' | 'blobs'>, tenantId: string, keys: string[]) {
  if (keys.length === 0) return 0;
  const referenced = await withTenantTx(
    deps.db,
    tenantId,
    async (tx) =>
      new Set(
        (
          await tx.execute<{ key: string }>(sql`
            select k.key from unnest(${pgArray(keys)}::text[]) as k(key)
            where exists (select 1 from document_versions v where v.tenant_id = ${tenantId} and v.blob_key = k.key)
               or exists (select 1 from version_derivatives d where d.tenant_id = ${tenantId}
                          and (d.text_blob_key = k.key or d.preview_blob_key = k.key))`)
        ).map((r) => r.key),
      ),
    { readOnly: true },
  );
  let removed = 0;
  for (const key of keys) {
    if (referenced.has(key)) continue;
    await deps.blobs.delete(key);
    removed += 1;
  }
  return removed;
}
