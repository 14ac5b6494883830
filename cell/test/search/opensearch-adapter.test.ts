import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Client } from '@opensearch-project/opensearch';
import { newId } from '@quire/shared/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenSearchClient, OpenSearchSearchIndex } from '../../src/adapters/search-index/opensearch.ts';
import { MAPPING_VERSION } from '../../src/adapters/search-index/opensearch-mapping.ts';
import { buildSearch } from '../../src/adapters/search-index/opensearch-query.ts';
import {
  type IndexedDocument,
  type SearchQuery,
  SearchTimeoutError,
  TOTAL_COUNT_CAP,
} from '../../src/adapters/search-index/port.ts';
import { doc, query } from './fixtures.ts';

/**
 * The OpenSearch engine against the real local node (infra/local/opensearch.sh). Each run uses
 * its own index prefix, so parallel runs and other files never meet.
 */
const FROM_STACK = process.env.QUIRE_OPENSEARCH_URL;
if (FROM_STACK === undefined || FROM_STACK === '') {
  throw new Error(
    'QUIRE_OPENSEARCH_URL is not set: the local stack has no OpenSearch (run `bash infra/local/stack.sh up`)',
  );
}
const OS_URL: string = FROM_STACK;

const PREFIX = `qt-${randomBytes(4).toString('hex')}`;
let client: Client;
let search: OpenSearchSearchIndex;

const tenant = (label: string) => `ten_${label}-${randomBytes(3).toString('hex')}`;

/** The shared fixture's query, overrides first (most cases here vary those, not the text). */
const q = (overrides: Partial<SearchQuery> = {}, text: Partial<SearchQuery['text']> = {}) =>
  query(text, overrides);

const ids = (r: { hits: { documentId: string }[] }) => r.hits.map((h) => h.documentId).sort();

/** Documents of `tenantId` found anywhere under this run's prefix, whatever the index, by raw query. */
async function rawCount(tenantId: string): Promise<number> {
  const res = await client.count({
    index: `${PREFIX}-*`,
    body: { query: { term: { tenant_id: tenantId } } },
  });
  return res.body.count;
}

async function indicesOf(alias: string): Promise<string[]> {
  const res = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  return res.statusCode === 404 ? [] : Object.keys(res.body as object);
}

beforeAll(async () => {
  client = createOpenSearchClient({ url: OS_URL });
  try {
    await client.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
  } catch (err) {
    throw new Error(`OpenSearch at ${OS_URL} is unreachable (start it: bash infra/local/stack.sh up)`, {
      cause: err,
    });
  }
  // refresh: true keeps this file fast; the default ('wait_for') has its own case below.
  search = new OpenSearchSearchIndex({ url: OS_URL, indexPrefix: PREFIX, replicas: 0, refresh: true });
});

afterAll(async () => {
  await search?.close();
  await client?.indices.delete({ index: `${PREFIX}-*`, ignore_unavailable: true });
  await client?.close();
});

describe('opensearch: pooled tenants share one index', () => {
  const a = tenant('a');
  const b = tenant('b');
  const bFolder = 'fld_b-secret';
  let aDocs: IndexedDocument[];
  let bDocs: IndexedDocument[];

  beforeAll(async () => {
    await search.ensureTenant(a, 'pooled');
    await search.ensureTenant(b, 'pooled');
    aDocs = [
      doc(a, { title: 'Budget 2024', body: 'The annual budget for marketing', tags: ['finance'] }),
      doc(a, { title: 'Travel policy', body: 'Budget rules for travel', tags: ['policy'] }),
    ];
    bDocs = [
      doc(b, {
        title: 'Budget secrets',
        body: 'budget budget budget confidential',
        tags: ['finance', 'b-only'],
        folderId: bFolder,
        ancestorIds: [bFolder],
        authorId: 'usr_b',
        customFields: { region: 'emea' },
      }),
      doc(b, { title: 'Another budget', body: 'more budget', tags: ['finance'] }),
      doc(b, { title: 'Third budget', body: 'budget', tags: ['finance'] }),
    ];
    await search.upsert(a, aDocs);
    await search.upsert(b, bDocs);
  });

  it('keeps both tenants in the same concrete index behind the shared alias', async () => {
    expect(await indicesOf(search.pooledAlias)).toEqual([`${search.pooledAlias}-v${MAPPING_VERSION}`]);
    expect(await indicesOf(search.tenantAlias(a))).toEqual([]);
    expect(await rawCount(a)).toBe(2);
    expect(await rawCount(b)).toBe(3);
  });

  it("never returns or counts the other tenant's documents, facets included", async () => {
    const r = await search.search(
      a,
      q({ facets: ['tags', 'author', 'type', 'year'] }, { terms: ['budget'] }),
    );
    expect(ids(r)).toEqual(aDocs.map((d) => d.documentId).sort());
    expect(r.total).toBe(2);
    expect(r.facets.tags).toEqual([
      { value: 'finance', count: 1 },
      { value: 'policy', count: 1 },
    ]);
    expect(r.facets.author).toEqual([{ value: 'usr_author', count: 2 }]);
    expect(r.facets.year).toEqual([{ value: '2024', count: 2 }]);
  });

  it("ignores crafted filters that name the other tenant's folders, documents, tags and fields", async () => {
    const crafted = [
      q({ access: { all: false, folderIds: [bFolder], documentIds: bDocs.map((d) => d.documentId) } }),
      q({ filters: { folderId: bFolder } }),
      q({ filters: { tags: ['b-only'] } }),
      q({ filters: { authorId: 'usr_b' } }),
      q({ filters: { customFields: { region: 'emea' } } }),
      q({ facets: ['tags'] }, { phrases: ['budget confidential'] }),
      q({ facets: ['tags'] }, { prefixes: ['conf'] }),
    ];
    for (const query of crafted) {
      const r = await search.search(a, query);
      expect(r.hits).toEqual([]);
      expect(r.total).toBe(0);
      for (const buckets of Object.values(r.facets)) expect(buckets).toEqual([]);
    }
    // And B, asking the same, sees its own.
    expect((await search.search(b, q({ filters: { customFields: { region: 'emea' } } }))).total).toBe(1);
  });

  it("cannot remove or list the other tenant's documents", async () => {
    await search.remove(
      a,
      bDocs.map((d) => d.documentId),
    );
    expect(await rawCount(b)).toBe(3);
    const listed = await search.listIndexed(a, null, 100);
    expect(listed.map((l) => l.documentId)).toEqual(aDocs.map((d) => d.documentId).sort());
  });

  it('refuses to write a document of another tenant', async () => {
    await expect(search.upsert(a, [doc(b)])).rejects.toThrow(/another tenant/);
    expect(await rawCount(b)).toBe(3);
  });
});

describe('opensearch: higher tiers get their own index', () => {
  const c = tenant('c');
  const d = tenant('d');
  const p = tenant('p');

  beforeAll(async () => {
    await search.ensureTenant(c, 'dedicated');
    await search.ensureTenant(d, 'schema');
    await search.ensureTenant(p, 'pooled');
    await search.upsert(c, [doc(c, { title: 'Merger plan', body: 'the merger closes in May' })]);
    await search.upsert(d, [doc(d, { title: 'Merger rumours', body: 'merger merger' })]);
    await search.upsert(p, [doc(p, { title: 'Merger notes', body: 'merger' })]);
  });

  it('writes each such tenant into its own index, never into the shared one', async () => {
    expect(await indicesOf(search.tenantAlias(c))).toEqual([`${search.tenantAlias(c)}-v${MAPPING_VERSION}`]);
    const pooled = await client.count({
      index: search.pooledAlias,
      body: { query: { term: { tenant_id: c } } },
    });
    expect(pooled.body.count).toBe(0);
    const own = await client.count({ index: search.tenantAlias(c) });
    expect(own.body.count).toBe(1);
  });

  it('answers each tenant from its own place only', async () => {
    for (const t of [c, d, p]) {
      const r = await search.search(t, q({ facets: ['tags'] }, { terms: ['merger'] }));
      expect(r.total).toBe(1);
      expect(r.hits.every((h) => h.documentId)).toBe(true);
      expect(await search.listIndexed(t, null, 10)).toHaveLength(1);
    }
  });

  it('finds the placement again in a fresh process (alias lookup, no ensureTenant)', async () => {
    const fresh = new OpenSearchSearchIndex({ url: OS_URL, indexPrefix: PREFIX, replicas: 0 });
    try {
      expect((await fresh.search(c, q({}, { terms: ['merger'] }))).total).toBe(1);
      expect((await fresh.search(p, q({}, { terms: ['merger'] }))).total).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('is idempotent', async () => {
    await search.ensureTenant(c, 'dedicated');
    await search.ensureTenant(p, 'pooled');
    expect((await search.search(c, q())).total).toBe(1);
    expect((await search.search(p, q())).total).toBe(1);
  });

  it("moves a tenant's documents into its own index when its tier goes up", async () => {
    const up = tenant('up');
    await search.ensureTenant(up, 'pooled');
    await search.upsert(up, [doc(up, { title: 'One' }), doc(up, { title: 'Two' })]);
    await search.ensureTenant(up, 'dedicated');
    expect(await indicesOf(search.tenantAlias(up))).toHaveLength(1);
    const pooled = await client.count({
      index: search.pooledAlias,
      body: { query: { term: { tenant_id: up } } },
    });
    expect(pooled.body.count).toBe(0);
    expect((await search.search(up, q())).total).toBe(2);
    expect((await search.search(p, q())).total).toBe(1);
  });
});

// What every engine must do (relevance, filters, facets, paging, permissions) is in cases.ts,
// run on both OpenSearch strategies; here only what is particular to this engine's query shape.
describe('opensearch: query translation', () => {
  const t = tenant('q');
  const folderA = 'fld_a';
  const folderB = 'fld_b';
  const docs = {
    phrase: doc(t, {
      title: 'Quarterly review',
      body: 'The annual report shows growth. <script>alert(1)</script>',
      tags: ['finance', 'report'],
      folderId: folderA,
      ancestorIds: [folderA],
      authorId: 'usr_1',
      type: 'pdf',
      customFields: { priority: 3, region: 'emea', signed: true },
      updatedAt: new Date('2023-05-01T00:00:00Z'),
    }),
    scattered: doc(t, {
      title: 'Notes',
      body: 'The annual picnic happened. Later a report about it was written.',
      tags: ['events'],
      folderId: folderB,
      ancestorIds: [folderA, folderB],
      authorId: 'usr_2',
      type: 'docx',
      customFields: { priority: '3' },
      updatedAt: new Date('2024-02-01T00:00:00Z'),
    }),
    titled: doc(t, {
      title: 'Reporting standards',
      body: 'Guidelines.',
      tags: ['finance', 'draft'],
      authorId: 'usr_1',
      type: 'pdf',
      updatedAt: new Date('2024-06-01T00:00:00Z'),
    }),
    running: doc(t, {
      title: 'Running club',
      body: 'We were running every morning.',
      authorId: 'usr_3',
      type: 'text',
      updatedAt: new Date('2025-01-01T00:00:00Z'),
    }),
  };
  const all = Object.values(docs);

  beforeAll(async () => {
    await search.ensureTenant(t, 'pooled');
    await search.upsert(t, all);
  });

  it('matches phrases exactly, prefixes on unstemmed words, and honours excludes', async () => {
    expect(ids(await search.search(t, q({}, { phrases: ['annual report'] })))).toEqual([
      docs.phrase.documentId,
    ]);
    expect(ids(await search.search(t, q({}, { prefixes: ['runn'] })))).toEqual([docs.running.documentId]);
    expect(ids(await search.search(t, q({}, { prefixes: ['repor'] })))).toEqual(
      [docs.phrase.documentId, docs.scattered.documentId, docs.titled.documentId].sort(),
    );
    expect(
      ids(await search.search(t, q({}, { prefixes: ['repor'], excludes: ['picnic', 'guidelines'] }))),
    ).toEqual([docs.phrase.documentId]);
  });

  it('drops stop words, and a query of stop words only matches nothing', async () => {
    expect(ids(await search.search(t, q({}, { terms: ['the', 'growth'] })))).toEqual([
      docs.phrase.documentId,
    ]);
    expect((await search.search(t, q({}, { terms: ['the'] }))).total).toBe(0);
    expect((await search.search(t, q({}, { phrases: ['of the'] }))).total).toBe(0);
  });

  it('highlights with <mark> and escapes everything else', async () => {
    const r = await search.search(t, q({}, { terms: ['growth'] }));
    const snippet = r.hits[0]?.snippets.join(' ') ?? '';
    expect(snippet).toContain('<mark>growth</mark>');
    expect(snippet).not.toContain('<script>');
    expect(snippet).toContain('&lt;script&gt;');
    // Prefix snippets come from the stemmed words: `morn*` marks "morning" (stem "morn").
    const p = await search.search(t, q({}, { prefixes: ['morn'] }));
    expect(p.hits[0]?.snippets.join(' ')).toContain('<mark>morning</mark>');
    // A title-only match still shows the start of the body, unmarked.
    const titled = await search.search(t, q({}, { terms: ['standards'] }));
    expect(titled.hits[0]?.snippets).toEqual(['Guidelines.']);
  });

  it('asks for relevance in the form OpenSearch can skip through: no sort, an offset, a capped count, proximity as a rescore', () => {
    const one = buildSearch(t, q({}, { terms: ['annual'] })).body;
    expect([one.sort, one.from, one.track_total_hits, one.track_scores, one.rescore]).toEqual([
      undefined,
      0,
      TOTAL_COUNT_CAP,
      undefined,
      undefined,
    ]);
    const two = buildSearch(t, q({ after: ['offset', 40] }, { terms: ['annual', 'report'] })).body;
    expect(two.from).toBe(40);
    expect(two.rescore).toMatchObject({ window_size: 200 });
    const byDate = buildSearch(t, q({ sort: 'date' }, { terms: ['annual', 'report'] })).body;
    expect([byDate.from, byDate.rescore, Array.isArray(byDate.sort)]).toEqual([undefined, undefined, true]);
  });

  it('refuses a cursor that does not fit the sort', async () => {
    for (const [sort, after] of [
      ['date', ['x']],
      ['date', ['not a date', 'doc_1']],
      ['title', [1, 'doc_1']],
      ['relevance', ['1', 'doc_1']],
      ['relevance', [1.5, 'doc_1']],
      ['relevance', ['offset', -1]],
      ['relevance', ['offset', 2.5]],
      ['relevance', ['offset', 10_001]],
    ] as const) {
      await expect(search.search(t, q({ sort, after: [...after] }))).rejects.toMatchObject({
        code: 'validation_failed',
      });
    }
  });

  it('replaces by documentId, removes idempotently and lists in documentId order', async () => {
    const extra = doc(t, { title: 'Temporary zebra' });
    await search.upsert(t, [extra]);
    await search.upsert(t, [{ ...extra, title: 'Temporary giraffe', versionId: 'ver_2' }]);
    expect((await search.search(t, q({}, { terms: ['zebra'] }))).total).toBe(0);
    expect((await search.search(t, q({}, { terms: ['giraffe'] }))).total).toBe(1);
    const first = await search.listIndexed(t, null, 3);
    const rest = await search.listIndexed(t, first.at(-1)?.documentId ?? null, 10);
    const listed = [...first, ...rest];
    expect(listed.map((l) => l.documentId)).toEqual([...all, extra].map((d) => d.documentId).sort());
    expect(listed.find((l) => l.documentId === extra.documentId)?.versionId).toBe('ver_2');
    await search.remove(t, [extra.documentId]);
    await search.remove(t, [extra.documentId, newId('document')]);
    expect((await search.search(t, q())).total).toBe(4);
  });
});

describe('opensearch: reindex with an alias swap', () => {
  const t = tenant('ri');
  const own = tenant('riown');

  beforeAll(async () => {
    await search.ensureTenant(t, 'pooled');
    await search.ensureTenant(own, 'database');
    await search.upsert(
      t,
      Array.from({ length: 300 }, (_, i) =>
        doc(t, { title: `Contract ${i}`, body: `clause ${i} indemnity` }),
      ),
    );
    await search.upsert(own, [doc(own, { title: 'Own contract', body: 'indemnity' })]);
  });

  it('keeps answering completely while the shared index is rebuilt, then serves from the new index', async () => {
    const before = await indicesOf(search.pooledAlias);
    let stop = false;
    const answers: number[] = [];
    const reader = (async () => {
      while (!stop) answers.push((await search.search(t, q({}, { terms: ['indemnity'] }))).total);
    })();
    const result = await search.reindex('pooled');
    stop = true;
    await reader;
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set([300]));
    expect(result.from).toEqual(before);
    expect(result.to).toMatch(new RegExp(`^${search.pooledAlias}-v${MAPPING_VERSION}-`));
    expect(await indicesOf(search.pooledAlias)).toEqual([result.to]);
    const old = await client.indices.exists({ index: before[0] ?? '' });
    expect(old.statusCode).toBe(404);
    expect((await search.search(t, q({}, { terms: ['indemnity'] }))).total).toBe(300);
    // Other pooled tenants moved with it.
    expect((await search.search(own, q({}, { terms: ['indemnity'] }))).total).toBe(1);
  });

  it("rebuilds one tenant's own index and keeps writing through the alias", async () => {
    const result = await search.reindex({ tenantId: own });
    expect(await indicesOf(search.tenantAlias(own))).toEqual([result.to]);
    await search.upsert(own, [doc(own, { title: 'After swap', body: 'indemnity' })]);
    expect((await search.search(own, q({}, { terms: ['indemnity'] }))).total).toBe(2);
  });

  it('migrateMappings leaves indices already on the current version alone', async () => {
    expect(await search.migrateMappings()).toEqual([]);
  });
});

describe('opensearch: dropTenant', () => {
  it('removes one pooled tenant and leaves the others intact', async () => {
    const x = tenant('x');
    const y = tenant('y');
    await search.ensureTenant(x, 'pooled');
    await search.ensureTenant(y, 'pooled');
    await search.upsert(x, [doc(x, { body: 'shared words' }), doc(x, { body: 'shared words' })]);
    await search.upsert(y, [doc(y, { body: 'shared words' })]);
    await search.dropTenant(x);
    expect(await rawCount(x)).toBe(0);
    expect((await search.search(x, q())).total).toBe(0);
    expect((await search.search(y, q({}, { terms: ['shared'] }))).total).toBe(1);
  });

  it("deletes a tenant's own index and leaves other indices intact", async () => {
    const x = tenant('xo');
    const y = tenant('yo');
    const z = tenant('zp');
    await search.ensureTenant(x, 'dedicated');
    await search.ensureTenant(y, 'dedicated');
    await search.ensureTenant(z, 'pooled');
    for (const t of [x, y, z]) await search.upsert(t, [doc(t, { body: 'kept words' })]);
    await search.dropTenant(x);
    expect(await indicesOf(search.tenantAlias(x))).toEqual([]);
    expect(await rawCount(x)).toBe(0);
    expect((await search.search(y, q({}, { terms: ['kept'] }))).total).toBe(1);
    expect((await search.search(z, q({}, { terms: ['kept'] }))).total).toBe(1);
    // Rebuild path: prepared again, it starts empty and indexes again.
    await search.ensureTenant(x, 'dedicated');
    expect((await search.search(x, q())).total).toBe(0);
    await search.upsert(x, [doc(x, { body: 'kept words' })]);
    expect((await search.search(x, q({}, { terms: ['kept'] }))).total).toBe(1);
  });
});

describe('opensearch: the default refresh policy', () => {
  it('makes every write searchable by the time it resolves (wait_for)', async () => {
    const waiting = new OpenSearchSearchIndex({ url: OS_URL, indexPrefix: PREFIX, replicas: 0 });
    const t = tenant('wf');
    const own = tenant('wfown');
    try {
      await waiting.ensureTenant(t, 'pooled');
      await waiting.ensureTenant(own, 'dedicated');
      for (const tenantId of [t, own]) {
        for (let i = 0; i < 3; i++) {
          const d = doc(tenantId, { body: `visible round${i}` });
          await waiting.upsert(tenantId, [d]);
          expect((await waiting.search(tenantId, q({}, { terms: [`round${i}`] }))).total).toBe(1);
          await waiting.remove(tenantId, [d.documentId]);
          expect((await waiting.search(tenantId, q({}, { terms: [`round${i}`] }))).total).toBe(0);
        }
      }
    } finally {
      await waiting.close();
    }
  });
});

describe('opensearch: failures are loud', () => {
  it('maps a search that runs past timeoutMs to SearchTimeoutError', async () => {
    // The real node behind a TCP relay that can hold its answers back: a slow network, made certain.
    const upstream = new URL(OS_URL);
    let delayMs = 0;
    const sockets = new Set<Socket>();
    const relay: Server = createServer((down) => {
      const up = connect(Number(upstream.port), upstream.hostname);
      sockets.add(down).add(up);
      down.pipe(up);
      up.on('data', (chunk) => {
        if (delayMs === 0) down.write(chunk);
        else setTimeout(() => down.writable && down.write(chunk), delayMs);
      });
      const end = () => {
        up.destroy();
        down.destroy();
      };
      up.on('error', end).on('close', end);
      down.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const address = relay.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const slow = new OpenSearchSearchIndex({
      url: `http://127.0.0.1:${port}`,
      indexPrefix: PREFIX,
      replicas: 0,
    });
    const t = tenant('slow');
    try {
      await slow.ensureTenant(t, 'pooled');
      await slow.upsert(t, [doc(t, { body: 'slow words' })]);
      expect((await slow.search(t, q({ timeoutMs: 5_000 }, { terms: ['slow'] }))).total).toBe(1);
      delayMs = 2_000;
      await expect(slow.search(t, q({ timeoutMs: 300 }, { terms: ['slow'] }))).rejects.toBeInstanceOf(
        SearchTimeoutError,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await slow.close();
    }
  });

  it('refuses to index for a tenant whose place was never prepared, and finds nothing for it', async () => {
    const lonely = new OpenSearchSearchIndex({
      url: OS_URL,
      indexPrefix: `${PREFIX}-none`,
      replicas: 0,
    });
    const t = tenant('np');
    try {
      await expect(lonely.upsert(t, [doc(t)])).rejects.toThrow(/ensureTenant/);
      const r = await lonely.search(t, q({ facets: ['tags'] }));
      expect(r).toEqual({
        hits: [],
        total: 0,
        totalRelation: 'eq',
        facets: { tags: [] },
        facetsRelation: 'eq',
        next: null,
      });
      expect(await lonely.listIndexed(t, null, 10)).toEqual([]);
      expect(await indicesOf(`${PREFIX}-none-*`)).toEqual([]);
    } finally {
      await lonely.close();
    }
  });
});
