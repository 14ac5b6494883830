import { createLogger } from '@quire/shared/log';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, startTestCell, type TestCell } from '../../../test/support/harness.ts';
import { createApp } from '../../src/app.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';

/**
 * The safety net behind boundary validation, through the cell's own app and error handler: a
 * database refusal caused by a value is a 4xx in the envelope, anything else a bare 500, and
 * neither the response nor the log ever carries the query's parameters (drizzle puts them in
 * its message, Postgres quotes the offending value in its own) or a stack in the response.
 */
const SECRET = 'hunter2-secret-of-ada@example.com';
let cell: TestCell;
let tenantId: string;
const lines: string[] = [];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  cell = await startTestCell();
  ({ tenantId } = await buildTenant(cell));
  app = createApp({ ...cell.deps, log: createLogger('debug', {}, (line) => lines.push(line)) });
  const inTx = (work: Parameters<typeof withTenantTx>[2]) => withTenantTx(cell.deps.db, tenantId, work);
  // Statements a route could send with an unvalidated value, each carrying the secret as a parameter.
  app.get('/__test/bad-integer', async () => {
    await inTx((tx) => tx.execute(sql`select ${SECRET}::int`));
    return new Response('unreachable');
  });
  app.get('/__test/nul-in-text', async () => {
    await inTx((tx) => tx.execute(sql`select ${`${SECRET}\u0000`}::text`));
    return new Response('unreachable');
  });
  app.get('/__test/driver-level', async () => {
    await inTx((tx) => tx.conn`select ${SECRET}::int`);
    return new Response('unreachable');
  });
  app.get('/__test/our-bug', async () => {
    await inTx((tx) => tx.execute(sql`select * from no_such_table where x = ${SECRET}`));
    return new Response('unreachable');
  });
  app.get('/__test/never-sent', async () => {
    // The driver cannot serialize the second parameter: drizzle's wrapper, with a non-Postgres cause.
    await inTx((tx) => tx.execute(sql`select ${SECRET}::text, ${new Date()}`));
    return new Response('unreachable');
  });
});
afterAll(async () => cell.close());

async function get(path: string) {
  lines.length = 0;
  const res = await app.request(path);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text), logs: lines.join('\n') };
}

describe('database errors', () => {
  it.each([
    ['/__test/bad-integer', '22P02'],
    ['/__test/nul-in-text', '22021'],
    ['/__test/driver-level', '22P02'],
  ])(
    '%s: a value the database refuses is a 400 in the envelope, logged by its code only',
    async (path, code) => {
      const res = await get(path);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'bad_request', details: { reason: 'invalid_value' } });
      expect(res.body.error.requestId).toMatch(/^req_/);
      const logged = JSON.parse(lines.find((l) => l.includes('database refused'))!);
      expect(logged).toMatchObject({ level: 'warn', db: { code } });
      expect(res.logs).not.toContain('hunter2');
      expect(res.text).not.toContain('hunter2');
    },
  );

  it('our own mistake is a 500 without a stack; the log names the code and query, never the parameters', async () => {
    const res = await get('/__test/our-bug');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: { code: 'internal', message: 'internal error', requestId: expect.any(String) },
    });
    const logged = JSON.parse(lines.find((l) => l.includes('unhandled error'))!);
    expect(logged.db).toMatchObject({
      code: '42P01',
      query: expect.stringContaining('no_such_table where x = $1'),
    });
    expect(logged.stack).toMatch(/^\s+at /);
    expect(res.logs).not.toContain('hunter2');
  });

  it("a query the driver never sent is logged by its text and cause, not drizzle's message", async () => {
    const res = await get('/__test/never-sent');
    expect(res.status).toBe(500);
    const logged = JSON.parse(lines.find((l) => l.includes('unhandled error'))!);
    expect(logged).toMatchObject({ err: 'FailedQuery', query: expect.stringContaining('select $1::text') });
    expect(res.logs).not.toContain('hunter2');
    expect(res.text).not.toContain('hunter2');
  });
});
