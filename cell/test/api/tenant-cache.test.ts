import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
} from '../../../test/support/harness.ts';

/** Two API processes of one cell (same id, database and Redis), as a deployment runs them. */
let one: TestCell;
let two: TestCell;
beforeAll(async () => {
  one = await startTestCell('us-1');
  two = await startTestCell('us-1', undefined, {}, one.dir); // same keys and blobs: the same cell
});
afterAll(async () => {
  await one.close();
  await two.close();
});

describe('the tenant cache', () => {
  it('a suspension through one process is refused by the others at once, not after the cache TTL', async () => {
    const t = await buildTenant(one);
    expect((await call(two, t.admin, 'GET', '/v1/folders/root/children')).status).toBe(200); // cached in two
    const suspended = await one.app.request(`/internal/v1/tenants/${t.tenantId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'suspended' }),
    });
    expect(suspended.status).toBe(200);
    const refused = await eventually(
      async () => {
        const res = await call(two, t.admin, 'GET', '/v1/folders/root/children');
        return res.status === 403 && res;
      },
      'the other process refuses the suspended tenant',
      { timeoutMs: 2_000, intervalMs: 20 }, // the TTL is 5 s: only the announcement gets here in time
    );
    expect(refused.body.error.code).toBe('tenant_suspended');
  });
});
