import { randomBytes } from 'node:crypto';
import { silentLogger } from '@quire/shared/log';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import type { SearchQuery, SearchResult } from '../../src/adapters/search-index/port.ts';
import { closeExtraction } from '../../src/modules/extraction/extract.ts';
import { closePreviews } from '../../src/modules/previews/render.ts';
import { bumpIndexVersion, withFacetCache } from '../../src/modules/search/facet-cache.ts';
import { query } from './fixtures.ts';
import { drain, search } from './support.ts';

/** Facets are cached per (tenant, words, filters, access set) until the tenant's index changes. */

describe('withFacetCache', () => {
  let redis: Redis;
  const deps = () => ({ redis, cellId: `fc-${randomBytes(4).toString('hex')}`, log: silentLogger });
  beforeAll(() => {
    redis = new Redis(process.env.QUIRE_REDIS_URL!, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** A stand-in engine that counts what it is asked and answers facets from a counter. */
  function engine() {
    const asked: SearchQuery[] = [];
    let counted = 0;
    const run = async (q: SearchQuery): Promise<SearchResult> => {
      asked.push(q);
      const facets: SearchResult['facets'] = {};
      if (q.facets.length > 0) counted++;
      for (const f of q.facets) facets[f] = [{ value: `v${counted}`, count: counted }];
      return { hits: [], total: 3, totalRelation: 'eq', facets, facetsRelation: 'sample', next: null };
    };
    return { asked, run };
  }

  it('counts facets once per query, filters and access set; pages and sorts reuse them', async () => {
    const d = deps();
    const e = engine();
    const base = query({ terms: ['budget'] }, { facets: ['tags'], filters: { tags: ['b', 'a'] } });
    const first = await withFacetCache(d, 'ten_a', base, e.run);
    expect(first.facets.tags).toEqual([{ value: 'v1', count: 1 }]);
    // Another page, another sort, the same tags in another order: cached, the engine counts nothing.
    const again = await withFacetCache(
      d,
      'ten_a',
      {
        ...base,
        sort: 'date',
        limit: 5,
        after: ['2024-01-01T00:00:00.000Z', 'doc_x'],
        filters: { tags: ['a', 'b'] },
      },
      e.run,
    );
    expect(again.facets.tags).toEqual([{ value: 'v1', count: 1 }]);
    expect(again.facetsRelation).toBe('sample');
    expect(e.asked.map((q) => q.facets)).toEqual([['tags'], []]);
    expect(e.asked[1]!.sort).toBe('date');
    // Another access set, other words, another tenant, more facets: counted again.
    const restricted = { ...base, access: { all: false as const, folderIds: ['fld_1'], documentIds: [] } };
    expect((await withFacetCache(d, 'ten_a', restricted, e.run)).facets.tags).toEqual([
      { value: 'v2', count: 2 },
    ]);
    const words = { ...base, text: { ...base.text, terms: ['cost'] } };
    expect((await withFacetCache(d, 'ten_a', words, e.run)).facets.tags).toEqual([{ value: 'v3', count: 3 }]);
    expect((await withFacetCache(d, 'ten_b', base, e.run)).facets.tags).toEqual([{ value: 'v4', count: 4 }]);
    const more = { ...base, facets: ['tags', 'type'] as SearchQuery['facets'] };
    expect((await withFacetCache(d, 'ten_a', more, e.run)).facets.type).toEqual([{ value: 'v5', count: 5 }]);
  });

  it('a change to the tenant’s index makes its cached facets stale, and only its', async () => {
    const d = deps();
    const e = engine();
    const q = query({ terms: ['budget'] }, { facets: ['type'] });
    await withFacetCache(d, 'ten_a', q, e.run);
    await withFacetCache(d, 'ten_b', q, e.run);
    await bumpIndexVersion(d, 'ten_a');
    expect((await withFacetCache(d, 'ten_a', q, e.run)).facets.type).toEqual([{ value: 'v3', count: 3 }]);
    expect((await withFacetCache(d, 'ten_b', q, e.run)).facets.type).toEqual([{ value: 'v2', count: 2 }]);
  });

  it('a search without facets never touches the cache; Redis down means counting, not failing', async () => {
    const e = engine();
    const down = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const d = { redis: down, cellId: 'fc-down', log: silentLogger };
    const plain = await withFacetCache(d, 'ten_a', query({ terms: ['x'] }), e.run);
    expect(plain.facets).toEqual({});
    const faceted = await withFacetCache(d, 'ten_a', query({ terms: ['x'] }, { facets: ['tags'] }), e.run);
    expect(faceted.facets.tags).toEqual([{ value: 'v1', count: 1 }]);
    down.disconnect();
  });
});

describe('GET /v1/search facets through a cell', () => {
  let cell: TestCell;
  let admin: TestUser;
  let tenantId: string;
  beforeAll(async () => {
    cell = await startTestCell();
    ({ tenantId, admin } = await buildTenant(cell));
  });
  afterAll(async () => {
    await Promise.all([closeExtraction(), closePreviews()]);
    await cell.close();
  });

  it('are the same on every page, and follow the index once the worker has drained a change', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await uploadDoc(cell, admin, `harbour survey number ${i}`, { filename: `h${i}.txt` });
      expect(res.status).toBe(201);
    }
    await drain(cell, [tenantId]);
    const one = await search(cell, admin, { q: 'harbour', facets: ['type'], limit: 2 });
    expect(one.body.facets.type).toEqual([{ value: 'text', count: 3 }]);
    expect(one.body.facetsRelation).toBe('eq');
    const two = await search(cell, admin, {
      q: 'harbour',
      facets: ['type'],
      limit: 2,
      cursor: one.body.nextCursor,
    });
    expect(two.body.facets).toEqual(one.body.facets);
    await uploadDoc(cell, admin, 'harbour survey appendix', { filename: 'h3.md' });
    await drain(cell, [tenantId]);
    const after = await search(cell, admin, { q: 'harbour', facets: ['type'] });
    expect(after.body.facets.type).toEqual([
      { value: 'text', count: 3 },
      { value: 'markdown', count: 1 },
    ]);
  });
});
