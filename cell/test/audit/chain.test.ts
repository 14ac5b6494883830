import { silentLogger } from '@quire/shared/log';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { appendInTx } from '../../src/audit-trail/append.ts';
import { type AuditEntry, auditEntry } from '../../src/audit-trail/entry.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { AuditSealer } from '../../src/modules/audit/sealer.ts';

/**
 * The audit chain v2 (migration 0005): appends take no lock, the sealer chains committed
 * entries gap-free, and verification catches every kind of tampering with sealed entries.
 */
let cell: TestCell;
let sealer: AuditSealer;

beforeAll(async () => {
  cell = await startTestCell();
  sealer = new AuditSealer(cell.deps.db.$client, silentLogger);
});
afterAll(async () => cell.close());

const entry = (tenantId: string, action: string): AuditEntry =>
  auditEntry({ tenantId, requestId: null, ip: '192.0.2.7', userAgent: 'chain-test' }, 'usr_chain', {
    action,
    resourceType: 'test',
  });

type Verdict = {
  ok: boolean;
  personalUnverifiable: number;
  checked: number;
  firstBrokenSeq: number | null;
  unsealed: number;
  unchainedBehind: number;
};

async function verify(admin: TestUser): Promise<Verdict> {
  const res = await call(cell, admin, 'GET', '/v1/audit/verify');
  expect(res.status).toBe(200);
  return res.body as Verdict;
}

/** Seals until every entry of the tenant written so far is chained (other test files' open transactions can hold the horizon back). */
async function sealAll(admin: TestUser): Promise<Verdict> {
  return eventually(async () => {
    await sealer.sealNow();
    const v = await verify(admin);
    return v.unsealed === 0 && v;
  }, 'every entry sealed');
}

async function asSuperuser(work: (tx: import('postgres').TransactionSql) => Promise<unknown>) {
  const su = superuserSql();
  try {
    await su.begin(async (tx) => {
      // Replica mode skips triggers and foreign keys: what only a database superuser can do.
      await tx`set local session_replication_role = replica`;
      await work(tx);
    });
  } finally {
    await su.end();
  }
}

describe('appending', () => {
  it('takes no per-tenant lock: a transaction holding an entry does not block another writer of the tenant', async () => {
    const { tenantId } = await buildTenant(cell);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let firstAppended!: () => void;
    const appended = new Promise<void>((r) => {
      firstAppended = r;
    });
    const slow = withTenantTx(cell.deps.db, tenantId, async (tx) => {
      await appendInTx(tx, [entry(tenantId, 'test.slow')]);
      firstAppended();
      await held;
    });
    await appended;
    // With the v1 chain this waited for the head-row lock until `slow` committed.
    await withTenantTx(cell.deps.db, tenantId, (tx) => appendInTx(tx, [entry(tenantId, 'test.fast')]));
    release();
    await slow;
  });

  it('many connections writing at once give one gap-free chain; rolled-back entries leave no trace in it', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    const writers = 12;
    const each = 15;
    let committed = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < each; i++) {
          const rollBack = i % 5 === 4;
          await withTenantTx(cell.deps.db, tenantId, async (tx) => {
            await appendInTx(tx, [entry(tenantId, `test.w${w}.${i}`), entry(tenantId, `test.w${w}.${i}b`)]);
            if (rollBack) throw new Error('rolled back on purpose');
          }).then(
            () => {
              committed += 2;
            },
            (err: Error) => {
              if (!rollBack) throw err;
            },
          );
        }
      }),
    );
    // Reads and denials arrive through the group commit, interleaved with the writers'.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => cell.deps.auditTrail.append([entry(tenantId, `test.read${i}`)])),
    );
    committed += 10;
    const v = await sealAll(admin);
    expect(v.ok).toBe(true);
    const rows = await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute<{ n: string; max: string; entries: string; rolled: string }>(sql`
        select count(*)::text as n, max(seq)::text as max,
               (select count(*) from audit_log where action like 'test.%')::text as entries,
               (select count(*) from audit_log where action like 'test.w%.4%' or action like 'test.w%.9%'
                  or action like 'test.w%.14%')::text as rolled
        from audit_chain`),
    );
    // Every committed entry once, seqs 1..n without a gap (the provisioning entry is chained too).
    expect(Number(rows[0]!.entries)).toBe(committed);
    expect(Number(rows[0]!.rolled)).toBe(0);
    expect(rows[0]!.max).toBe(rows[0]!.n);
    expect(v.checked).toBe(Number(rows[0]!.n));
  });
});

describe('verification after sealing detects', () => {
  async function sealedTenant() {
    const t = await buildTenant(cell);
    await withTenantTx(cell.deps.db, t.tenantId, (tx) =>
      appendInTx(
        tx,
        ['one', 'two', 'three', 'four', 'five'].map((n) => entry(t.tenantId, `test.${n}`)),
      ),
    );
    const v = await sealAll(t.admin);
    expect(v.ok).toBe(true);
    const links = await withTenantTx(cell.deps.db, t.tenantId, (tx) =>
      tx.execute<{ seq: string; entry_id: string; action: string }>(sql`
        select c.seq::text, c.entry_id::text, a.action from audit_chain c
        join audit_log a on a.tenant_id = c.tenant_id and a.id = c.entry_id order by c.seq`),
    );
    const seqOf = (action: string) => Number(links.find((l) => l.action === action)!.seq);
    const idOf = (action: string) => links.find((l) => l.action === action)!.entry_id;
    return { ...t, seqOf, idOf, last: Number(links[links.length - 1]!.seq) };
  }

  it('a changed entry', async () => {
    const t = await sealedTenant();
    await asSuperuser(
      (tx) => tx`update audit_log set details = '{"x":1}' where id = ${t.idOf('test.three')}`,
    );
    const v = await verify(t.admin);
    expect(v.ok).toBe(false);
    expect(v.firstBrokenSeq).toBe(t.seqOf('test.three'));
  });

  it('a changed personal field (who, from where, what they typed)', async () => {
    const t = await sealedTenant();
    await asSuperuser((tx) => tx`update audit_log set ip = '198.51.100.9' where id = ${t.idOf('test.four')}`);
    const v = await verify(t.admin);
    expect(v.ok).toBe(false);
    expect(v.firstBrokenSeq).toBe(t.seqOf('test.four'));
  });

  it('a deleted entry', async () => {
    const t = await sealedTenant();
    await asSuperuser((tx) => tx`delete from audit_log where id = ${t.idOf('test.two')}`);
    const v = await verify(t.admin);
    expect(v.ok).toBe(false);
    expect(v.firstBrokenSeq).toBe(t.seqOf('test.two'));
  });

  it('a deleted link in the middle, and the last link', async () => {
    const t = await sealedTenant();
    await asSuperuser(
      (tx) => tx`delete from audit_chain where tenant_id = ${t.tenantId} and seq = ${t.seqOf('test.three')}`,
    );
    expect((await verify(t.admin)).firstBrokenSeq).toBe(t.seqOf('test.four'));
    const u = await sealedTenant();
    await asSuperuser(
      (tx) => tx`delete from audit_chain where tenant_id = ${u.tenantId} and seq = ${u.last}`,
    );
    const v = await verify(u.admin);
    expect(v.ok).toBe(false); // the head still names the removed link
  });

  it('reordered entries', async () => {
    const t = await sealedTenant();
    const [a, b] = [t.idOf('test.two'), t.idOf('test.four')];
    await asSuperuser(async (tx) => {
      await tx`update audit_chain set entry_id = -1 where entry_id = ${a}`;
      await tx`update audit_chain set entry_id = ${a} where entry_id = ${b}`;
      await tx`update audit_chain set entry_id = ${b} where entry_id = -1`;
    });
    const v = await verify(t.admin);
    expect(v.ok).toBe(false);
    expect(v.firstBrokenSeq).toBe(t.seqOf('test.two'));
  });

  it('an entry inserted behind the sealer', async () => {
    const t = await sealedTenant();
    await asSuperuser(
      (
        tx,
      ) => tx`insert into audit_log (tenant_id, xid, occurred_at, actor_type, actor_id, action, resource_type)
                 values (${t.tenantId}, '3'::xid8, now() - interval '1 day', 'user', 'usr_forged', 'test.forged', 'test')`,
    );
    const v = await verify(t.admin);
    expect(v.ok).toBe(false);
    expect(v.unchainedBehind).toBe(1);
    // The sealer never adopts it.
    await sealer.sealNow();
    expect((await verify(t.admin)).unchainedBehind).toBe(1);
  });

  it('…and tampering in one tenant leaves another tenant’s chain verifying', async () => {
    const t = await sealedTenant();
    const other = await sealedTenant();
    await asSuperuser(
      (tx) => tx`update audit_log set action = 'test.changed' where id = ${t.idOf('test.one')}`,
    );
    expect((await verify(t.admin)).ok).toBe(false);
    expect((await verify(other.admin)).ok).toBe(true);
  });
});

describe('erasing a person from the log', () => {
  it('leaves every link verifying once their personal values and their key are gone', async () => {
    const t = await sealedTenant2();
    // What erasure does to the log (the compliance feature drives it): the person's values
    // are replaced and their key destroyed. Here by a superuser, as the function will.
    await asSuperuser(async (tx) => {
      await tx`update audit_log set actor_id = 'erased', ip = null, user_agent = null, details = '{}'
               where tenant_id = ${t.tenantId} and actor_id = 'usr_chain'`;
      await tx`delete from audit_subject_keys where tenant_id = ${t.tenantId} and subject = 'usr_chain'`;
    });
    const v = await verify(t.admin);
    expect(v.ok).toBe(true);
    expect(v.personalUnverifiable).toBe(5);
  });
});

/** A tenant with five sealed entries by usr_chain (see `entry`). */
async function sealedTenant2() {
  const t = await buildTenant(cell);
  await withTenantTx(cell.deps.db, t.tenantId, (tx) =>
    appendInTx(
      tx,
      ['one', 'two', 'three', 'four', 'five'].map((n) => entry(t.tenantId, `test.${n}`)),
    ),
  );
  expect((await sealAll(t.admin)).ok).toBe(true);
  return t;
}

describe('the app role', () => {
  it('cannot chain, move a head or touch a link by hand', async () => {
    const { tenantId } = await buildTenant(cell);
    for (const statement of [
      sql`insert into audit_chain (tenant_id, seq, entry_id, hash) values (${tenantId}, 999, 1, '\\x00')`,
      sql`update audit_heads set seq = 0`,
      sql`delete from audit_chain`,
      sql`update audit_seal_state set id = 0`,
      sql`select key from audit_subject_keys`,
    ]) {
      await expect(withTenantTx(cell.deps.db, tenantId, (tx) => tx.execute(statement))).rejects.toThrow();
    }
  });

  it('cannot record an entry for another tenant from inside a tenant transaction', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const err = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      appendInTx(tx, [entry(b.tenantId, 'test.smuggled')]),
    ).catch((e: Error & { cause?: Error }) => e);
    // The driver's error itself, or wrapped by drizzle as its cause.
    const refused = err as Error & { cause?: Error };
    expect(String((refused.cause ?? refused).message)).toMatch(/another tenant/);
  });
});
