import { createHash } from 'node:crypto';
import type { Logger } from '@quire/shared/log';
import type { Redis } from 'ioredis';
import type { SearchQuery, SearchResult } from '../../adapters/search-index/port.ts';

/**
 * Facets, cached in the cell's Redis per (tenant, words, filters, access set, facets asked) until
 * the tenant's index next changes: paging through a search, or running it again, does not count
 * its facets again (on Postgres a broad search's facet sample is the most expensive part of it).
 *
 * Freshness comes from a per-tenant index version, not from expiry: every write the drain applies
 * to a tenant's index bumps it (bumpIndexVersion), and the version is part of the cache key, so an
 * answer counted before a change is never read after it. The TTL only clears out old versions.
 * The sort, the page size and the cursor are not in the key: facets do not depend on them (the
 * sample an engine may count is the best matches by relevance, or the newest without words).
 * Redis unavailable: the facets are computed, as without a cache.
 */

const TTL_SECONDS = 15 * 60;

type CachedFacets = Pick<SearchResult, 'facets' | 'facetsRelation'>;

export interface FacetCacheDeps {
  redis: Redis;
  cellId: string;
  log: Logger;
}

const versionKey = (cellId: string, tenantId: string) => `quire:${cellId}:search:ixv:${tenantId}`;

/** Marks the tenant's index as changed: facets cached before are not used again. */
export async function bumpIndexVersion(deps: Pick<FacetCacheDeps, 'redis' | 'cellId'>, tenantId: string) {
  await deps.redis.incr(versionKey(deps.cellId, tenantId));
}

/** What the facets of a search depend on, in a stable form. */
export function facetKeyOf(query: SearchQuery): string {
  const { text, filters, access, facets } = query;
  const sorted = (xs: string[] | undefined) => (xs ? [...xs].sort() : null);
  return JSON.stringify({
    text: [text.terms, text.phrases, text.prefixes, text.excludes],
    folder: filters.folderId ?? null,
    sub: filters.folderId ? filters.includeSubfolders !== false : null,
    tags: sorted(filters.tags),
    author: filters.authorId ?? null,
    types: sorted(filters.types),
    from: filters.updatedFrom?.toISOString() ?? null,
    to: filters.updatedTo?.toISOString() ?? null,
    custom: filters.customFields
      ? Object.entries(filters.customFields)
          .map(([k, v]) => [k, String(v)])
          .sort()
      : null,
    access: access.all ? 'all' : [sorted(access.folderIds), sorted(access.documentIds)],
    facets: sorted(facets),
  });
}

/**
 * Runs the search, taking its facets from the cache when they are there (the engine is then asked
 * for no facets) and putting them there when they were counted.
 */
export async function withFacetCache(
  deps: FacetCacheDeps,
  tenantId: string,
  query: SearchQuery,
  search: (query: SearchQuery) => Promise<SearchResult>,
): Promise<SearchResult> {
  if (query.facets.length === 0) return search(query);
  let key: string | null = null;
  let cached: CachedFacets | null = null;
  try {
    const version = (await deps.redis.get(versionKey(deps.cellId, tenantId))) ?? '0';
    const hash = createHash('sha256').update(facetKeyOf(query)).digest('base64url');
    key = `quire:${deps.cellId}:search:facets:${tenantId}:${version}:${hash}`;
    const raw = await deps.redis.get(key);
    cached = raw ? (JSON.parse(raw) as CachedFacets) : null;
  } catch (err) {
    deps.log.warn('facet cache unavailable; counting facets', { tenantId, err: String(err) });
  }
  if (cached) {
    const result = await search({ ...query, facets: [] });
    return { ...result, facets: cached.facets, facetsRelation: cached.facetsRelation };
  }
  const result = await search(query);
  if (key) {
    const value: CachedFacets = { facets: result.facets, facetsRelation: result.facetsRelation };
    await deps.redis.set(key, JSON.stringify(value), 'EX', TTL_SECONDS).catch((err: unknown) => {
      deps.log.warn('facet cache unavailable; not kept', { tenantId, err: String(err) });
    });
  }
  return result;
}
