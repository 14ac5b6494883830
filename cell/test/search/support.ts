import { call, type TestCell, type TestUser } from '../../../test/support/harness.ts';
import { SearchDrainer } from '../../src/modules/search/drain.ts';

/**
 * Runs the real drain (the worker's code path) in-process, limited to the given tenants:
 * other test files share this database, and their tenants' keys live in their own keyrings.
 */
export async function drain(cell: TestCell, tenantIds: string[]) {
  return new SearchDrainer(cell.deps, { tenantIds }).drainUntilIdle();
}

export async function search(cell: TestCell, user: TestUser, params: Record<string, string | string[]> = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  return call(cell, user, 'GET', `/v1/search?${qs}`);
}

export const hitIds = (res: { body: Record<string, any> }): string[] =>
  (res.body.items as { id: string }[]).map((i) => i.id);
