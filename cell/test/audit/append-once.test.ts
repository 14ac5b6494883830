import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, call, startTestCell, type TestCell } from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';

/**
 * Every audited change is recorded once, in the transaction of the change. (drizzle's
 * `tx.execute()` is a thenable that runs its statement again on every await: the append used
 * to run a second time after the COMMIT, outside the transaction, doubling every entry.)
 */
let cell: TestCell;
beforeAll(async () => {
  cell = await startTestCell();
});
afterAll(async () => cell.close());

describe('audit appends', () => {
  it('one entry per audited write, committed with the change (same transaction id)', async () => {
    const sql = superuserSql();
    try {
      const t = await buildTenant(cell);
      const ids: string[] = [];
      for (const name of ['one', 'two', 'three']) {
        const res = await call(cell, t.admin, 'POST', '/v1/groups', { name });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      await call(cell, t.admin, 'GET', '/v1/users'); // a later request on the same pool
      const entries = await sql<{ resource_id: string; xid: string }[]>`
        select resource_id, xid::text from audit_log where tenant_id = ${t.tenantId} and action = 'group.created'`;
      expect(entries.map((e) => e.resource_id).sort()).toEqual([...ids].sort());
      for (const id of ids) {
        const [group] = await sql<{ xmin: string }[]>`select xmin::text from groups where id = ${id}`;
        expect(entries.find((e) => e.resource_id === id)!.xid).toBe(group!.xmin);
      }
    } finally {
      await sql.end();
    }
  });
});
