import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, call, startTestCell, type TestCell, uploadDoc } from '../../../test/support/harness.ts';
import { tenantStatement, withTenantTx } from '../../src/db/tenant-tx.ts';

/** The one road to the database: what withTenantTx promises beyond setting the tenant. */
let cell: TestCell;
let a: Awaited<ReturnType<typeof buildTenant>>;
let b: Awaited<ReturnType<typeof buildTenant>>;

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
});
afterAll(async () => cell.close());

describe('withTenantTx', () => {
  it('sends statements in the order they were created, whatever order they are awaited in', async () => {
    const seen = await withTenantTx(cell.deps.db, a.tenantId, async (tx) => {
      const set = tx.conn`select set_config('quire.test_order', 'first', true)`;
      const read = tx.conn<{ v: string }[]>`select current_setting('quire.test_order', true) as v`;
      const [row] = await read; // awaited first, still runs second
      await set;
      return row!.v;
    });
    expect(seen).toBe('first');
  });

  it('a COMMIT sent behind the reads still sees them inside the tenant', async () => {
    const rows = await withTenantTx(
      cell.deps.db,
      a.tenantId,
      async (tx) => {
        const q = tx.conn<{ id: string }[]>`select id from tenants`;
        tx.commitWithPending();
        return q;
      },
      { readOnly: true },
    );
    expect(rows.map((r) => r.id)).toEqual([a.tenantId]);
  });

  it('a read-only transaction refuses to write', async () => {
    await expect(
      withTenantTx(cell.deps.db, a.tenantId, (tx) => tx.execute(sql`update tenants set slug = slug`), {
        readOnly: true,
      }),
    ).rejects.toThrow();
  });

  it('a statement that failed unawaited turns the commit into an error, and nothing is written', async () => {
    const name = `grp-${Date.now()}`;
    await expect(
      withTenantTx(cell.deps.db, a.tenantId, async (tx) => {
        await tx.execute(
          sql`insert into groups (tenant_id, id, name) values (${a.tenantId}, ${`grp_${Date.now()}`}, ${name})`,
        );
        tx.conn`select 1 / 0`.catch(() => {}); // sent, never awaited
      }),
    ).rejects.toThrow(/rolled back/);
    const found = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from groups where name = ${name}`),
    );
    expect(found[0]!.n).toBe(0);
  });

  it('refuses a tenant id that is not one (empty, NUL, another shape)', async () => {
    for (const bad of ['', 'ten_a\u0000b', "ten_x' or '1'='1", 'usr_abc']) {
      await expect(withTenantTx(cell.deps.db, bad, async () => 1)).rejects.toThrow(/tenant/);
    }
  });
});

describe('the one-round-trip document read', () => {
  it('answers only inside the caller’s tenant and stops at once when the session is revoked', async () => {
    const doc = (await uploadDoc(cell, a.admin, 'one round trip')).body.document.id;
    expect((await call(cell, a.admin, 'GET', `/v1/documents/${doc}`)).status).toBe(200);
    expect((await call(cell, b.admin, 'GET', `/v1/documents/${doc}`)).status).toBe(404);
    await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`update sessions set revoked_at = now() where user_id = ${a.admin.userId}`),
    );
    expect((await call(cell, a.admin, 'GET', `/v1/documents/${doc}`)).status).toBe(401);
  });
});

describe('the one-statement road (tenant_enter)', () => {
  it('refuses what is not a tenant id, in TypeScript and again in SQL', async () => {
    expect(() => tenantStatement(cell.deps.db, 'ten_x\u0000')).toThrow(/tenant/);
    const sqlc = cell.deps.db.$client;
    for (const bad of ['', 'usr_abc', "ten_a' or 'x"]) {
      await expect(sqlc`select tenant_enter(${bad})`).rejects.toThrow(/tenant id/);
    }
  });

  it('document_view reads inside the tenant it was given: another tenant’s document is not there', async () => {
    const doc = (await uploadDoc(cell, b.admin, 'b only')).body.document.id;
    const sqlc = tenantStatement(cell.deps.db, b.tenantId);
    const claimsB = await cell.deps.tokens.verifyAccessToken(b.admin.token);
    const [own] = await sqlc<
      { id: string | null }[]
    >`select id from document_view(${b.tenantId}, ${claimsB.sub}, ${claimsB.sid}, ${doc})`;
    expect(own?.id).toBe(doc);
    // B's own session, B's document id, but entered as tenant A: no session there, no row.
    const asA =
      await sqlc`select id from document_view(${a.tenantId}, ${claimsB.sub}, ${claimsB.sid}, ${doc})`;
    expect(asA).toHaveLength(0);
    // The setting did not outlive the statement.
    const [after] = await sqlc<
      { t: string }[]
    >`select coalesce(current_setting('app.tenant_id', true), '') as t`;
    expect(after!.t).toBe('');
  });
});
