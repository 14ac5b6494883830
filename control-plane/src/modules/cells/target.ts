import type { CellTarget } from '../../cell-api/client.ts';
import { CellCallError } from '../../cell-api/client.ts';
import type { CpDeps } from '../../context.ts';
import { openSecret } from '../../crypto/secret-box.ts';
import { selectCell } from './repo.ts';

/**
 * A cell's address and its credential, decrypted for one call to its internal API. A cell
 * that never heartbeated has no address yet: a retryable failure (it may register soon).
 */
export async function cellTarget(deps: CpDeps, cellId: string): Promise<CellTarget> {
  const row = await selectCell(deps.db, cellId);
  if (!row?.baseUrl) throw new CellCallError(`cell ${cellId} has not registered yet`, true, null);
  return {
    id: row.id,
    baseUrl: row.baseUrl,
    credential: openSecret(deps.secretKey, row.credentialSealed, row.id),
  };
}
