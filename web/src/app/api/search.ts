import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { paths } from './cell-api';
import { api } from './client.ts';
import { unwrap } from './errors.ts';
import type { SearchResult } from './types.ts';

/**
 * Search over the documents the caller may read: `POST /v1/search` with the query and filters in
 * a JSON body. The app keeps the query in state, never in a URL (its own or the API's): URLs are
 * logged by edge infrastructure, possibly outside the tenant's region.
 */
type SearchRequest = NonNullable<paths['/v1/search']['post']['requestBody']>['content']['application/json'];
export type DocType = NonNullable<SearchRequest['types']>[number];

export interface SearchParams {
  q: string;
  tags: string[];
  types: DocType[];
  years: string[];
  author: string | null;
  sort: 'relevance' | 'date' | 'title';
}

export const emptySearch: SearchParams = {
  q: '',
  tags: [],
  types: [],
  years: [],
  author: null,
  sort: 'relevance',
};
const PAGE = 20;

/** A year facet as a date range (the API filters by updatedFrom/updatedTo); several years: their span. */
function yearRange(years: string[]): { updatedFrom?: string; updatedTo?: string } {
  const nums = years.map(Number).filter((y) => Number.isInteger(y));
  if (nums.length === 0) return {};
  return {
    updatedFrom: `${Math.min(...nums)}-01-01T00:00:00Z`,
    updatedTo: `${Math.max(...nums) + 1}-01-01T00:00:00Z`,
  };
}

async function page(p: SearchParams, cursor: string | undefined): Promise<SearchResult> {
  return unwrap(
    await api.POST('/v1/search', {
      body: {
        ...(p.q.trim() ? { q: p.q.trim() } : {}),
        ...(p.tags.length ? { tags: p.tags } : {}),
        ...(p.types.length ? { types: p.types } : {}),
        ...(p.author ? { author: p.author } : {}),
        ...yearRange(p.years),
        includeSubfolders: true,
        sort: p.q.trim() ? p.sort : p.sort === 'relevance' ? 'date' : p.sort,
        facets: ['tags', 'type', 'year', 'author'],
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      },
    }),
  );
}

export function useSearch(p: SearchParams, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ['search', p],
    enabled,
    queryFn: ({ pageParam }) => page(p, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    staleTime: 5_000,
  });
}
