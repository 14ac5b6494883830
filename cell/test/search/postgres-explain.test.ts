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
 * role's searches go through search_hits() (SECURITY DEFINER, tenant from app.tenant_id),
 * and this test fails unless that search is planned as an ordered scan of the RUM index:
 * best matches first, the tenant, the words and the access filter all index conditions.
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

async function planAsApp(
  q: string | null,
  access: 'all' | 'restricted',
  order = 'relevance',
  prefixes: string | null = null,
): Promise<string> {
  return withTenantTx(db, tenant, async (tx) => {
    const rows = await tx.execute<{ search_plan: string }>(sql`
      select * from search_plan(to_tsquery('english', ${q}), to_tsquery('english', ${prefixes}),
        ${access === 'all'}, ${`{${BROAD},doc_nothing}`}::text[], null, null, null, null, null, null, null, null,
        ${order}, 21, false)`);
    return rows.map((r) => r.search_plan).join('\n');
  });
}

describe('Postgres engine: the RLS trap', () => {
  it('the app role’s ranked search is an ordered scan of the RUM index, filters inside it', async () => {
    for (const access of ['all', 'restricted'] as const) {
      for (const word of ['zebracorn', 'w1x']) {
        const plan = await planAsApp(word, access);
        expect(plan, plan).toContain('Index Scan using search_documents_rum_idx');
        // The words are scoped to the tenant in the index; the tenant is checked again on the row.
        expect(plan, plan).toMatch(new RegExp(`Index Cond: .*tsv @@ '''${tenant}/`));
        expect(plan, plan).toMatch(new RegExp(`Order By: \\(tsv <=> '''${tenant}/`));
        expect(plan, plan).toMatch(/Filter: \(s\.tenant_id = /);
        if (access === 'restricted')
          expect(plan, plan).toMatch(/Index Cond: .*\(ancestor_ids \|\| document_id\) && /);
      }
    }
  });

  it('a prefix never reaches the RUM index: checked on the row when words rank, else matched by GIN', async () => {
    // RUM's prefix scans keep pointers into released index pages: under concurrent writes a search
    // crashed the server (bench/search, segfault in rum_ts_join_pos).
    const ranked = await planAsApp('w1x', 'all', 'relevance', 'zebra:*');
    expect(ranked, ranked).toContain('Index Scan using search_documents_rum_idx');
    expect(ranked, ranked).toMatch(new RegExp(`Index Cond: \\(tsv @@ '''${tenant}/w1x'''`));
    expect(ranked, ranked).toMatch(new RegExp(`Filter: ts_match_vq\\(tsv, '''${tenant}/zebra'':\\*'`));
    for (const order of ['relevance', 'count', 'date']) {
      const plan = await planAsApp(null, 'all', order, 'zebra:*');
      expect(plan, plan).toContain('Bitmap Index Scan on search_documents_gin_idx');
      expect(plan, plan).not.toContain('search_documents_rum_idx');
    }
    const counted = await planAsApp('w1x', 'all', 'count', 'zebra:*');
    expect(counted, counted).toContain('Bitmap Index Scan on search_documents_gin_idx');
    expect(counted, counted).not.toContain('search_documents_rum_idx');
  });

  it('counting uses the RUM index too', async () => {
    const plan = await planAsApp('w1x', 'restricted', 'count');
    expect(plan, plan).toContain('Index Scan using search_documents_rum_idx');
    expect(plan, plan).toMatch(/Index Cond: \(\(tsv @@ .*\(ancestor_ids \|\| document_id\) && /);
  });

  it('and it finds what the plan says: the rare word in exactly its 25 documents', async () => {
    const r = await index.search(tenant, query({ terms: ['zebracorn'] }, { facets: ['tags'] }));
    expect(r.total).toBe(25);
  });

  it('the same match written directly as the app role cannot use the index (why search_hits exists)', async () => {
    const plan = await withTenantTx(db, tenant, async (tx) => {
      const rows = await tx.execute<{ 'QUERY PLAN': string }>(sql`
        explain select document_id from search_documents
        where tenant_id = ${tenant} and tsv @@ to_tsquery('english', 'zebracorn')`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan, plan).not.toMatch(/Index Cond: .*tsv @@/);
    expect(plan, plan).toMatch(/Filter: .*tsv @@/);
  });

  it('search_hits and search_count take the tenant only from the transaction: none set, no answer', async () => {
    const err = await client`select * from search_hits(to_tsquery('english', 'zebracorn'), null, true,
        null, null, null, null, null, null, null, null, null, 'relevance', null, null, 100)`.catch(
      (e: unknown) => e,
    );
    expect(String(err)).toMatch(/needs a tenant context/);
    const countErr = await client`select search_count(to_tsquery('english', 'zebracorn'), null, true,
        null, null, null, null, null, null, null, null, null, 100)`.catch((e: unknown) => e);
    expect(String(countErr)).toMatch(/needs a tenant context/);
    const otherTenant = await withTenantTx(db, others[0]!, (tx) =>
      tx.execute<{ n: number; c: number }>(sql`select
        (select count(*)::int from search_hits(to_tsquery('english', 'zebracorn'), null, true, null, null, null,
          null, null, null, null, null, null, 'relevance', null, null, 1000)) as n,
        search_count(to_tsquery('english', 'zebracorn'), null, true, null, null, null, null, null, null, null,
          null, null, 1000) as c`),
    );
    // Its own 25, never the 75 of the three tenants.
    expect([otherTenant[0]!.n, otherTenant[0]!.c]).toEqual([25, 25]);
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
