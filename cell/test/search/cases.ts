import { QuireError } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AccessFilter,
  IndexedDocument,
  SearchIndex,
  SearchQuery,
  SearchResult,
} from '../../src/adapters/search-index/port.ts';
import { FACET_SAMPLE_SIZE, TOTAL_COUNT_CAP } from '../../src/adapters/search-index/port.ts';
import type { EngineUnderTest, StartedEngine } from './engines.ts';
import { doc, query } from './fixtures.ts';

/**
 * The cases every SearchIndex engine must pass, at the port: the same documents, the same
 * queries, the same expected answers. Each case works in tenants of its own.
 */

const ids = (r: SearchResult) => r.hits.map((h) => h.documentId);
const idSet = (r: SearchResult) => new Set(ids(r));

/** Registers the whole suite for one engine. */
export function defineSearchCases(engine: EngineUnderTest) {
  let started: StartedEngine;
  let index: SearchIndex;
  beforeAll(async () => {
    started = await engine.start();
    index = started.index;
  });
  afterAll(async () => {
    await started?.stop();
  });

  describe('relevance basics', () => {
    it('words next to each other rank above the same words far apart; a phrase needs the exact sequence', async () => {
      const t = await started.newTenant();
      const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(
        4,
      );
      const near = doc(t, {
        title: 'Board minutes',
        body: 'The board approved the annual report yesterday.',
      });
      const far = doc(t, {
        title: 'Board notes',
        body: `The annual budget was discussed. ${filler} The report came late.`,
      });
      await index.upsert(t, [far, near]);
      const words = await index.search(t, query({ terms: ['annual', 'report'] }));
      expect(ids(words)).toEqual([near.documentId, far.documentId]);
      const phrase = await index.search(t, query({ phrases: ['annual report'] }));
      expect(ids(phrase)).toEqual([near.documentId]);
    });

    it('a match in the title ranks above a match in the body', async () => {
      const t = await started.newTenant();
      const inTitle = doc(t, {
        title: 'Budget overview',
        body: 'Numbers for the next quarter and the one after.',
      });
      const inBody = doc(t, {
        title: 'Quarterly notes',
        body: 'This mentions the budget once, among other words about planning and staffing.',
      });
      await index.upsert(t, [inBody, inTitle]);
      const r = await index.search(t, query({ terms: ['budget'] }));
      expect(ids(r)).toEqual([inTitle.documentId, inBody.documentId]);
      expect(r.hits[0]!.score).toBeGreaterThan(r.hits[1]!.score);
    });

    it('finds inflected forms through stemming, in the document language', async () => {
      const t = await started.newTenant();
      const en = doc(t, { title: 'Site log', body: 'The contractors were running late on deliveries.' });
      const de = doc(t, {
        title: 'Protokoll',
        body: 'Die Verträge wurden gestern unterschrieben.',
        language: 'german',
      });
      await index.upsert(t, [en, de]);
      for (const word of ['run', 'contractor', 'delivery'])
        expect(ids(await index.search(t, query({ terms: [word] }))), word).toEqual([en.documentId]);
      expect(ids(await index.search(t, query({ terms: ['Vertrag'] })))).toEqual([de.documentId]);
    });

    it('matches prefixes, and excludes words and phrases', async () => {
      const t = await started.newTenant();
      const a = doc(t, { title: 'Delivery plan', body: 'Final version of the delivery schedule.' });
      const b = doc(t, {
        title: 'Delivery plan draft',
        body: 'A draft of the delivery schedule, first version.',
      });
      const c = doc(t, { title: 'Unrelated', body: 'Nothing about the topic here.' });
      await index.upsert(t, [a, b, c]);
      expect(idSet(await index.search(t, query({ prefixes: ['deliv'] })))).toEqual(
        new Set([a.documentId, b.documentId]),
      );
      expect(ids(await index.search(t, query({ prefixes: ['zzzq'] })))).toEqual([]);
      expect(ids(await index.search(t, query({ terms: ['delivery'], excludes: ['draft'] })))).toEqual([
        a.documentId,
      ]);
      expect(ids(await index.search(t, query({ terms: ['schedule'], excludes: ['first version'] })))).toEqual(
        [a.documentId],
      );
    });

    it('matches the file name and the tags', async () => {
      const t = await started.newTenant();
      const a = doc(t, { title: 'Scan', filename: 'invoice-acme-2024.pdf', type: 'pdf' });
      const b = doc(t, { title: 'Memo', tags: ['procurement'] });
      await index.upsert(t, [a, b]);
      expect(ids(await index.search(t, query({ terms: ['acme'] })))).toEqual([a.documentId]);
      expect(ids(await index.search(t, query({ terms: ['procurement'] })))).toEqual([b.documentId]);
    });
    it("finds a document by its comments' text, and stops once the comments are gone", async () => {
      const t = await started.newTenant();
      // A body at the engine's limit: the comments must still be indexed (the body gives way).
      const a = doc(t, {
        title: 'Lease',
        body: 'clause '.repeat(170_000),
        comments: 'Ada: renegotiate the escalator',
      });
      const b = doc(t, { title: 'Other', body: 'escalator pitch' });
      await index.upsert(t, [a, b]);
      expect(idSet(await index.search(t, query({ terms: ['renegotiate'] })))).toEqual(
        new Set([a.documentId]),
      );
      await index.upsert(t, [{ ...a, comments: '' }]);
      expect(ids(await index.search(t, query({ terms: ['renegotiate'] })))).toEqual([]);
    });
  });

  describe('facets, filters, folders', () => {
    async function facetTenant() {
      const t = await started.newTenant();
      const at = (y: number) => new Date(`${y}-06-01T12:00:00Z`);
      const docs = [
        doc(t, { body: 'alpha', tags: ['a', 'b'], authorId: 'usr_1', type: 'pdf', updatedAt: at(2023) }),
        doc(t, { body: 'alpha', tags: ['a'], authorId: 'usr_1', type: 'pdf', updatedAt: at(2024) }),
        doc(t, { body: 'alpha', tags: ['b', 'c'], authorId: 'usr_2', type: 'docx', updatedAt: at(2024) }),
        doc(t, { body: 'alpha', tags: ['a', 'c'], authorId: 'usr_2', type: 'text', updatedAt: at(2024) }),
        doc(t, { body: 'alpha', tags: [], authorId: 'usr_3', type: 'pdf', updatedAt: at(2025) }),
        doc(t, { body: 'omega', tags: ['a'], authorId: 'usr_1', type: 'pdf', updatedAt: at(2024) }),
      ];
      await index.upsert(t, docs);
      return { t, docs };
    }

    it('counts facets exactly over the whole match set, most frequent first, ties by value', async () => {
      const { t } = await facetTenant();
      const r = await index.search(
        t,
        query({ terms: ['alpha'] }, { facets: ['tags', 'author', 'type', 'year'], limit: 1 }),
      );
      expect(r.total).toBe(5);
      expect(r.facetsRelation).toBe('eq');
      expect(r.hits).toHaveLength(1);
      expect(r.facets.tags).toEqual([
        { value: 'a', count: 3 },
        { value: 'b', count: 2 },
        { value: 'c', count: 2 },
      ]);
      expect(r.facets.author).toEqual([
        { value: 'usr_1', count: 2 },
        { value: 'usr_2', count: 2 },
        { value: 'usr_3', count: 1 },
      ]);
      expect(r.facets.type).toEqual([
        { value: 'pdf', count: 3 },
        { value: 'docx', count: 1 },
        { value: 'text', count: 1 },
      ]);
      expect(r.facets.year).toEqual([
        { value: '2024', count: 3 },
        { value: '2023', count: 1 },
        { value: '2025', count: 1 },
      ]);
      const pdf = await index.search(
        t,
        query({ terms: ['alpha'] }, { facets: ['tags'], filters: { types: ['pdf'] } }),
      );
      expect(pdf.total).toBe(3);
      expect(pdf.facets.tags).toEqual([
        { value: 'a', count: 2 },
        { value: 'b', count: 1 },
      ]);
    });

    it('applies each filter: tags (all of), author, types, date range, custom fields', async () => {
      const { t, docs } = await facetTenant();
      const find = async (filters: SearchQuery['filters']) =>
        idSet(await index.search(t, query({ terms: ['alpha'] }, { filters })));
      const d = docs.map((x) => x.documentId);
      expect(await find({ tags: ['a', 'c'] })).toEqual(new Set([d[3]]));
      expect(await find({ authorId: 'usr_2' })).toEqual(new Set([d[2], d[3]]));
      expect(await find({ types: ['docx', 'text'] })).toEqual(new Set([d[2], d[3]]));
      expect(
        await find({
          updatedFrom: new Date('2024-06-01T12:00:00Z'),
          updatedTo: new Date('2025-06-01T12:00:00Z'),
        }),
      ).toEqual(new Set([d[1], d[2], d[3]]));

      const c = await started.newTenant();
      const cf = [
        doc(c, { body: 'gamma', customFields: { region: 'emea', amount: 5, signed: true } }),
        doc(c, { body: 'gamma', customFields: { region: 'apac', amount: 7, signed: false } }),
        doc(c, { body: 'gamma' }),
      ];
      await index.upsert(c, cf);
      const byCf = async (customFields: Record<string, string | number | boolean>) =>
        ids(await index.search(c, query({ terms: ['gamma'] }, { filters: { customFields } })));
      expect(await byCf({ region: 'emea' })).toEqual([cf[0]!.documentId]);
      expect(await byCf({ amount: 5 })).toEqual([cf[0]!.documentId]);
      expect(await byCf({ amount: '7' })).toEqual([cf[1]!.documentId]);
      expect(await byCf({ signed: true, region: 'emea' })).toEqual([cf[0]!.documentId]);
      expect(await byCf({ signed: 'false' })).toEqual([cf[1]!.documentId]);
      expect(await byCf({ region: 'amer' })).toEqual([]);
    });

    it('searches a folder with or without its subfolders', async () => {
      const t = await started.newTenant();
      const [f1, f2, f3] = [newId('folder'), newId('folder'), newId('folder')];
      const inF1 = doc(t, { body: 'delta', folderId: f1, ancestorIds: [f1] });
      const inF2 = doc(t, { body: 'delta', folderId: f2, ancestorIds: [f1, f2] });
      const inF3 = doc(t, { body: 'delta', folderId: f3, ancestorIds: [f3] });
      const atRoot = doc(t, { body: 'delta' });
      await index.upsert(t, [inF1, inF2, inF3, atRoot]);
      const find = async (filters: SearchQuery['filters']) =>
        idSet(await index.search(t, query({ terms: ['delta'] }, { filters })));
      expect(await find({ folderId: f1 })).toEqual(new Set([inF1.documentId, inF2.documentId]));
      expect(await find({ folderId: f1, includeSubfolders: true })).toEqual(
        new Set([inF1.documentId, inF2.documentId]),
      );
      expect(await find({ folderId: f1, includeSubfolders: false })).toEqual(new Set([inF1.documentId]));
      expect(await find({ folderId: f2 })).toEqual(new Set([inF2.documentId]));
      expect(await find({ folderId: newId('folder') })).toEqual(new Set());
    });

    it('lists without free text, newest first', async () => {
      const t = await started.newTenant();
      const old = doc(t, { updatedAt: new Date('2020-01-01T00:00:00Z') });
      const recent = doc(t, { updatedAt: new Date('2026-01-01T00:00:00Z') });
      await index.upsert(t, [old, recent]);
      const r = await index.search(t, query({}, { sort: 'date' }));
      expect(ids(r)).toEqual([recent.documentId, old.documentId]);
      expect(r.total).toBe(2);
    });
  });

  describe('sort and cursor pagination', () => {
    it('pages through every sort without duplicates or gaps, in order', async () => {
      const t = await started.newTenant();
      const docs: IndexedDocument[] = [];
      for (let i = 0; i < 23; i++) {
        docs.push(
          doc(t, {
            title: `${['Beta', 'alpha', 'Gamma', 'delta'][i % 4]} ${i % 3 === 0 ? 'same' : String(i).padStart(2, '0')}`,
            body: `pager ${'pager '.repeat(i % 5)} filler text`,
            updatedAt: new Date(Date.UTC(2025, 0, 1 + (i % 6))),
          }),
        );
      }
      await index.upsert(t, docs);
      for (const sort of ['relevance', 'date', 'title'] as const) {
        const seen: SearchResult['hits'] = [];
        let after: unknown[] | undefined;
        for (let page = 0; page < 10; page++) {
          const r = await index.search(t, query({ terms: ['pager'] }, { sort, limit: 5, after }));
          expect(r.total, sort).toBe(23);
          seen.push(...r.hits);
          if (!r.next) break;
          after = r.next;
        }
        expect(seen.map((h) => h.documentId).sort(), sort).toEqual(docs.map((d) => d.documentId).sort());
        for (let i = 1; i < seen.length; i++) {
          const [a, b] = [seen[i - 1]!, seen[i]!];
          if (sort === 'relevance') expect(a.score).toBeGreaterThanOrEqual(b.score);
          if (sort === 'date') expect(a.updatedAt.getTime()).toBeGreaterThanOrEqual(b.updatedAt.getTime());
          if (sort === 'title')
            expect(a.title.toLowerCase() <= b.title.toLowerCase(), `${a.title} ≤ ${b.title}`).toBe(true);
        }
      }
    });

    it('asking for facets changes neither the hits, nor the total, nor the pages', async () => {
      const t = await started.newTenant();
      const docs = Array.from({ length: 17 }, (_, i) =>
        doc(t, {
          title: `${['Beta', 'alpha', 'Gamma'][i % 3]} ${i}`,
          body: `ledger ${'ledger '.repeat(i % 4)} entry`,
          tags: [`t${i % 3}`],
          updatedAt: new Date(Date.UTC(2025, 1, 1 + (i % 5))),
        }),
      );
      await index.upsert(t, docs);
      for (const sort of ['relevance', 'date', 'title'] as const) {
        let plainAfter: unknown[] | undefined;
        let facetedAfter: unknown[] | undefined;
        for (let page = 0; page < 4; page++) {
          const plain = await index.search(
            t,
            query({ terms: ['ledger'] }, { sort, limit: 5, after: plainAfter }),
          );
          const faceted = await index.search(
            t,
            query({ terms: ['ledger'] }, { sort, limit: 5, after: facetedAfter, facets: ['tags', 'year'] }),
          );
          expect(ids(faceted), `${sort} page ${page}`).toEqual(ids(plain));
          expect([faceted.total, faceted.totalRelation]).toEqual([plain.total, plain.totalRelation]);
          expect(faceted.next, `${sort} page ${page}`).toEqual(plain.next);
          expect(faceted.facets.tags?.reduce((a, f) => a + f.count, 0)).toBe(17);
          if (!plain.next) break;
          plainAfter = plain.next ?? undefined;
          facetedAfter = faceted.next ?? undefined;
        }
      }
    });

    it('a cursor that is not this sort’s key is a client error', async () => {
      const t = await started.newTenant();
      await index.upsert(t, [doc(t, { body: 'cursor' })]);
      const err = await index
        .search(t, query({ terms: ['cursor'] }, { sort: 'relevance', after: ['not-a-score', 5] }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuireError);
      expect((err as QuireError).status).toBeGreaterThanOrEqual(400);
      expect((err as QuireError).status).toBeLessThan(500);
    });
  });

  describe('snippets', () => {
    it('highlights matches in <mark> and HTML-escapes everything else', async () => {
      const t = await started.newTenant();
      const d = doc(t, {
        body: `Intro <script>alert("x")</script> then the budget & "costs" follow, with <b>bold</b> claims.`,
      });
      await index.upsert(t, [d]);
      const r = await index.search(t, query({ terms: ['budget'] }));
      const html = r.hits[0]!.snippets.join(' … ');
      expect(html).toContain('<mark>budget</mark>');
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('<b>');
      expect(html.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
      expect(html).toContain('&lt;script&gt;');
      expect(html).toContain('&amp;');
    });

    it('cuts the snippet around a match far into a long body, inflected forms included', async () => {
      const t = await started.newTenant();
      const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(120);
      const d = doc(t, { body: `${filler} The contractors were running the budget review. ${filler}` });
      await index.upsert(t, [d]);
      for (const word of ['budget', 'run', 'contractor']) {
        const html = (await index.search(t, query({ terms: [word] }))).hits[0]!.snippets.join(' … ');
        expect(html, word).toMatch(/<mark>(budget|running|contractors)<\/mark>/);
      }
    });

    it('a document cannot forge a highlight', async () => {
      const t = await started.newTenant();
      const d = doc(t, { body: 'budget \uE000fake\uE001 <mark>also fake</mark>' });
      await index.upsert(t, [d]);
      const html = (await index.search(t, query({ terms: ['budget'] }))).hits[0]!.snippets.join(' ');
      expect(html.match(/<mark>/g)).toHaveLength(1);
      expect(html).toContain('&lt;mark&gt;also fake');
    });
  });

  describe('tenant isolation', () => {
    it('tenant A never sees, counts or facets tenant B’s documents, even with the same document ids', async () => {
      const a = await started.newTenant();
      const b = await started.newTenant();
      const shared = newId('document');
      const mineA = doc(a, { documentId: shared, body: 'secret merger plan', tags: ['deal'] });
      const mineB = doc(b, { documentId: shared, body: 'secret merger plan', tags: ['deal'] });
      const moreB = [1, 2, 3].map(() => doc(b, { body: 'secret merger plan', tags: ['leak'] }));
      await index.upsert(a, [mineA]);
      await index.upsert(b, [mineB, ...moreB]);
      const r = await index.search(
        a,
        query({ terms: ['merger'] }, { facets: ['tags', 'author', 'type', 'year'] }),
      );
      expect(r.total).toBe(1);
      expect(r.hits.map((h) => h.versionId)).toEqual([mineA.versionId]);
      expect(r.facets.tags).toEqual([{ value: 'deal', count: 1 }]);
      expect(r.facets.author).toEqual([{ value: 'usr_author', count: 1 }]);
      const browse = await index.search(a, query({}, { sort: 'date', limit: 100 }));
      expect(browse.total).toBe(1);
      const listed = await index.listIndexed(a, null, 100);
      expect(listed.map((x) => x.versionId)).toEqual([mineA.versionId]);
    });

    it('an access filter naming another tenant’s folders or documents finds nothing of theirs', async () => {
      const a = await started.newTenant();
      const b = await started.newTenant();
      const folderB = newId('folder');
      const inB = doc(b, { body: 'quarterly numbers', folderId: folderB, ancestorIds: [folderB] });
      await index.upsert(b, [inB]);
      await index.upsert(a, [doc(a, { body: 'unrelated words' })]);
      const access: AccessFilter = { all: false, folderIds: [folderB], documentIds: [inB.documentId] };
      const r = await index.search(a, query({ terms: ['quarterly'] }, { access, facets: ['tags'] }));
      expect(r.total).toBe(0);
      expect(r.hits).toEqual([]);
    });

    it('remove and dropTenant touch only their tenant', async () => {
      const a = await started.newTenant();
      const b = await started.newTenant();
      const shared = newId('document');
      await index.upsert(a, [doc(a, { documentId: shared, body: 'kappa' })]);
      await index.upsert(b, [doc(b, { documentId: shared, body: 'kappa' }), doc(b, { body: 'kappa' })]);
      await index.remove(a, [shared]);
      expect((await index.search(a, query({ terms: ['kappa'] }))).total).toBe(0);
      expect((await index.search(b, query({ terms: ['kappa'] }))).total).toBe(2);
      await index.upsert(a, [doc(a, { body: 'kappa' })]);
      await index.dropTenant(a);
      expect((await index.search(a, query({ terms: ['kappa'] }))).total).toBe(0);
      expect((await index.search(b, query({ terms: ['kappa'] }))).total).toBe(2);
    });
  });

  describe('permissions (the access filter)', () => {
    async function tree() {
      const t = await started.newTenant();
      const [f1, f2, f3] = [newId('folder'), newId('folder'), newId('folder')];
      const d = {
        f1: doc(t, { body: 'policy', folderId: f1, ancestorIds: [f1], tags: ['x'] }),
        f2: doc(t, { body: 'policy', folderId: f2, ancestorIds: [f1, f2], tags: ['x'] }),
        f3: doc(t, { body: 'policy', folderId: f3, ancestorIds: [f3], tags: ['x', 'y'] }),
        root: doc(t, { body: 'policy', tags: ['y'] }),
      };
      await index.upsert(t, Object.values(d));
      return { t, f1, f2, f3, d };
    }

    it('a folder grant covers the folder and everything below it, nothing else', async () => {
      const { t, f1, d } = await tree();
      const r = await index.search(
        t,
        query(
          { terms: ['policy'] },
          { access: { all: false, folderIds: [f1], documentIds: [] }, facets: ['tags'] },
        ),
      );
      expect(idSet(r)).toEqual(new Set([d.f1.documentId, d.f2.documentId]));
      expect(r.total).toBe(2);
      expect(r.facets.tags).toEqual([{ value: 'x', count: 2 }]);
    });

    it('a document grant covers that document only; grants add up', async () => {
      const { t, f2, d } = await tree();
      const one = await index.search(
        t,
        query(
          { terms: ['policy'] },
          { access: { all: false, folderIds: [], documentIds: [d.root.documentId] } },
        ),
      );
      expect(ids(one)).toEqual([d.root.documentId]);
      const both = await index.search(
        t,
        query(
          { terms: ['policy'] },
          { access: { all: false, folderIds: [f2], documentIds: [d.f3.documentId] } },
        ),
      );
      expect(idSet(both)).toEqual(new Set([d.f2.documentId, d.f3.documentId]));
    });

    it('no grants: nothing found, nothing counted', async () => {
      const { t } = await tree();
      const r = await index.search(
        t,
        query(
          { terms: ['policy'] },
          { access: { all: false, folderIds: [], documentIds: [] }, facets: ['tags'] },
        ),
      );
      expect(r.total).toBe(0);
      expect(r.hits).toEqual([]);
      expect(r.facets.tags ?? []).toEqual([]);
    });

    it('a folder filter outside the grants finds nothing', async () => {
      const { t, f1, f3 } = await tree();
      const r = await index.search(
        t,
        query(
          { terms: ['policy'] },
          { access: { all: false, folderIds: [f1], documentIds: [] }, filters: { folderId: f3 } },
        ),
      );
      expect(r.total).toBe(0);
    });
  });

  describe('writes', () => {
    it('upsert replaces by document id (new version, new text) and is idempotent; remove is idempotent', async () => {
      const t = await started.newTenant();
      const v1 = doc(t, { body: 'original wording' });
      await index.upsert(t, [v1]);
      await index.upsert(t, [v1]);
      const v2 = { ...v1, versionId: newId('version'), body: 'revised wording', updatedAt: new Date() };
      await index.upsert(t, [v2]);
      expect((await index.search(t, query({ terms: ['original'] }))).total).toBe(0);
      const r = await index.search(t, query({ terms: ['revised'] }));
      expect(r.hits.map((h) => h.versionId)).toEqual([v2.versionId]);
      const listed = await index.listIndexed(t, null, 10);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.versionId).toBe(v2.versionId);
      await index.remove(t, [v1.documentId]);
      await index.remove(t, [v1.documentId]);
      expect((await index.search(t, query({ terms: ['revised'] }))).total).toBe(0);
    });

    it('listIndexed pages in document id order', async () => {
      const t = await started.newTenant();
      const docs = Array.from({ length: 7 }, () => doc(t, { body: 'listing' }));
      await index.upsert(t, docs);
      const got: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await index.listIndexed(t, after, 3);
        if (page.length === 0) break;
        got.push(...page.map((p) => p.documentId));
        after = page.at(-1)!.documentId;
      }
      expect(got).toEqual(docs.map((d) => d.documentId).sort());
    });

    it('reports an exact total beyond the page', async () => {
      const t = await started.newTenant();
      await index.upsert(
        t,
        Array.from({ length: 120 }, () => doc(t, { body: 'bulk entry' })),
      );
      const r = await index.search(t, query({ terms: ['bulk'] }, { limit: 10 }));
      expect(r.hits).toHaveLength(10);
      expect(r.total).toBe(120);
      expect(r.totalRelation).toBe('eq');
    });

    it(`counts exactly up to ${TOTAL_COUNT_CAP.toLocaleString('en-US')} matches, then reports "at least" that many`, async () => {
      const t = await started.newTenant();
      const many = Array.from({ length: TOTAL_COUNT_CAP + 1 }, (_, i) =>
        doc(t, { body: i % 2 === 0 ? 'plenty even' : 'plenty odd' }),
      );
      await index.upsert(t, many);
      const all = await index.search(t, query({ terms: ['plenty'] }, { limit: 5, facets: ['type'] }));
      expect([all.total, all.totalRelation]).toEqual([TOTAL_COUNT_CAP, 'gte']);
      expect(all.hits).toHaveLength(5);
      // Facets count every match, or say that they count the FACET_SAMPLE_SIZE best (port.ts).
      const counted = all.facetsRelation === 'sample' ? FACET_SAMPLE_SIZE : TOTAL_COUNT_CAP + 1;
      expect(all.facets.type).toEqual([{ value: 'text', count: counted }]);
      const even = await index.search(t, query({ terms: ['even'] }, { limit: 5, facets: ['type'] }));
      expect([even.total, even.totalRelation]).toEqual([TOTAL_COUNT_CAP / 2 + 1, 'eq']);
      // Fewer matches than the sample: every one is counted, and the answer says so.
      expect([even.facets.type, even.facetsRelation]).toEqual([
        [{ value: 'text', count: TOTAL_COUNT_CAP / 2 + 1 }],
        'eq',
      ]);
    }, 120_000);
  });
}
