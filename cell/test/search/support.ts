import { call, type TestCell, type TestUser } from '../../../test/support/harness.ts';
import { SearchDrainer } from '../../src/modules/search/drain.ts';

/**
 * Runs the real drain (the worker's code path) in-process, limited to the given tenants:
 * other test files share this database, and their tenants' keys live in their own keyrings.
 */
export async function drain(cell: TestCell, tenantIds: string[]) {
  return new SearchDrainer(cell.deps, { tenantIds }).drainUntilIdle();
}

/** POST /v1/search with the request as its JSON body (never in the URL). */
export async function search(cell: TestCell, user: TestUser, body: Record<string, unknown> = {}) {
  return call(cell, user, 'POST', '/v1/search', body);
}

export const hitIds = (res: { body: Record<string, any> }): string[] =>
  (res.body.items as { id: string }[]).map((i) => i.id);
