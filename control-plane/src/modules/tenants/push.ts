import type { UpdateTenantRequest } from '@quire/shared/internal-api';
import { CellCallError } from '../../cell-api/client.ts';
import type { CpDeps } from '../../context.ts';
import type { TenantRow } from '../../db/schema/index.ts';
import { cellTarget } from '../cells/target.ts';

export interface PushResult {
  /** Whether the home cell took the change now; if not, it converges on its next config pull. */
  pushed: boolean;
  error: string | null;
}

/** Tells the home cell at once (suspension must bite now); the versioned config is the fallback. */
export async function pushToCell(
  deps: CpDeps,
  tenant: TenantRow,
  patch: UpdateTenantRequest,
): Promise<PushResult> {
  if (!tenant.cellId) return { pushed: false, error: 'tenant has no home cell' };
  try {
    await deps.cells.updateTenant(await cellTarget(deps, tenant.cellId), tenant.id, patch);
    return { pushed: true, error: null };
  } catch (err) {
    if (!(err instanceof CellCallError)) throw err;
    deps.log.warn('push to cell failed; the cell converges on its next config pull', {
      tenantId: tenant.id,
      cellId: tenant.cellId,
      error: err.message,
    });
    return { pushed: false, error: err.message };
  }
}
