import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSearchIndex } from '../../src/adapters/search-index/postgres.ts';
import { createDb } from '../../src/db/client.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { tenantIdFor } from './engines.ts';
import { doc, query } from './fixtures.ts';

/**
 * The RLS trap, tested: `@@` is not LEAKPROOF, so under row-level security the planner may
 * not use it as an index condition and filters every row of the tenant instead. The app
 * role's searches go through search_match() (SECURITY DEFINER, tenant from app.tenant_id),
 * and this test fails unless that search is planned on the (tenant_id, tsv) GIN index.
 */
const { sql: client, db } = createDb(process.env.QUIRE_TEST_DATABASE_URL!, 4);
const index = new PostgresSearchIndex(db);
const tenant = tenantIdFor('explain');
const others = [tenantIdFor('explain-other'), tenantIdFor('explain-other')];

/** Every document sits in this folder: the access filter below is not selective, the word is. */
const BROAD = 'fld_0000000000000000000000broad';
const VOCAB = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x`);
function body(seed: number, extra: string): string {
  const words: string[] = [];
  let x = seed * 7919 + 13;
  for (let i = 0; i < 60; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    words.push(VOCAB[x % VOCAB.length]!);
  }
  return `${words.join(' ')} ${extra}`;
}

beforeAll(async () => {
  for (const t of [tenant, ...others]) {
    const docs = Array.from({ length: 2500 }, (_, i) =>
      doc(t, {
        body: body(i, i % 100 === 0 ? 'zebracorn' : ''),
        tags: [`tag${i % 7}`],
        folderId: BROAD,
        ancestorIds: [BROAD],
      }),
    );
    for (let i = 0; i < docs.length; i += 500) await index.upsert(t, docs.slice(i, i + 500));
  }
  // Planner statistics, as autovacuum would gather them (ANALYZE needs the owner).
  const owner = postgres(process.env.QUIRE_TEST_DATABASE_OWNER_URL!, { max: 1, onnotice: () => {} });
  await owner`analyze search_documents`;
  await owner.end();
}, 120_000);

afterAll(async () => {
  for (const t of [tenant, ...others]) await index.dropTenant(t);
  await client.end();
});

async function planAsApp(q: string, access: 'all' | 'restricted'): Promise<string> {
  return withTenantTx(db, tenant, async (tx) => {
    const rows = await tx.execute<{ search_match_plan: string }>(sql`
      select * from search_match_plan(to_tsquery('english', ${q}), true, ${access === 'all'},
        ${`{${BROAD}}`}::text[], '{doc_nothing}'::text[], null, null, null, null, null, null, null, null, false)`);
    return rows.map((r) => r.search_match_plan).join('\n');
  });
}

describe('Postgres engine: the RLS trap', () => {
  it('the app role’s search is planned on the (tenant_id, tsv) GIN index', async () => {
    for (const access of ['all', 'restricted'] as const) {
      const plan = await planAsApp('zebracorn', access);
      expect(plan, plan).toContain('search_documents_tsv_idx');
      expect(plan, plan).toMatch(/Index Cond: \(\(tenant_id = .*\) AND \(tsv @@/);
    }
  });

  it('and it finds what the plan says: the rare word in exactly its 25 documents', async () => {
    const r = await index.search(tenant, query({ terms: ['zebracorn'] }, { facets: ['tags'] }));
    expect(r.total).toBe(25);
  });

  it('the same match written directly as the app role cannot use the index (why search_match exists)', async () => {
    const plan = await withTenantTx(db, tenant, async (tx) => {
      const rows = await tx.execute<{ 'QUERY PLAN': string }>(sql`
        explain select document_id from search_documents
        where tenant_id = ${tenant} and tsv @@ to_tsquery('english', 'zebracorn')`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan, plan).not.toMatch(/Index Cond: .*tsv @@/);
    expect(plan, plan).toMatch(/Filter: .*tsv @@/);
  });

  it('search_match takes the tenant only from the transaction: none set, no answer', async () => {
    const err = await client`select * from search_match(to_tsquery('english', 'zebracorn'), true, true,
        null, null, null, null, null, null, null, null, null, null)`.catch((e: unknown) => e);
    expect(String(err)).toMatch(/needs a tenant context/);
    const otherTenant = await withTenantTx(db, others[0]!, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from search_match(
        to_tsquery('english', 'zebracorn'), false, true, null, null, null, null, null, null, null, null, null, null)`),
    );
    expect(otherTenant[0]!.n).toBe(25); // its own 25, never the 50 of the three tenants
  });

  it('the app role cannot read or write the index rows of another tenant', async () => {
    const seen = await withTenantTx(db, tenant, (tx) =>
      tx.execute<{ n: number }>(
        sql`select count(*)::int as n from search_documents where tenant_id = ${others[0]!}`,
      ),
    );
    expect(seen[0]!.n).toBe(0);
    const err = await withTenantTx(db, tenant, (tx) =>
      tx.execute(sql`insert into search_documents (tenant_id, document_id, version_id, title, title_key, filename,
          body, author_id, type, content_type, created_at, updated_at, language, tsv)
        values (${others[0]!}, 'doc_x', 'ver_x', 't', 't', 'f', '', 'usr_x', 'text', 'text/plain', now(), now(),
          'simple', ''::tsvector)`),
    ).catch((e: unknown) => e);
    expect(String((err as { cause?: unknown }).cause ?? err)).toMatch(/row-level security/);
  });
});
