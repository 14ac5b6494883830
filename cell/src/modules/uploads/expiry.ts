import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { uploadPrefix } from './parts.ts';
import { deleteUpload, expiredUploads } from './repo.ts';

/**
 * The janitor's step for resumable uploads: an upload past its expiry (abandoned, or finished
 * and kept a while for HEAD) loses its stored parts first, then its record, so a crash in
 * between leaves a record the next pass finishes, never a part nothing refers to.
 */
export async function sweepExpiredUploads(
  deps: Pick<CellDeps, 'db' | 'blobs'>,
  tenantId: string,
): Promise<number> {
  const ids = await withTenantTx(deps.db, tenantId, (tx) => expiredUploads(tx, tenantId), { readOnly: true });
  for (const id of ids) {
    await deps.blobs.deletePrefix(uploadPrefix(tenantId, id));
    await withTenantTx(deps.db, tenantId, (tx) => deleteUpload(tx, tenantId, id));
  }
  return ids.length;
}
