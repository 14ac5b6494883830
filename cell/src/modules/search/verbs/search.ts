import { z } from '@hono/zod-openapi';
import { QueryTooCostly } from '@quire/shared/errors';
import { invalidCursor } from '../../../adapters/search-index/common.ts';
import {
  type SearchQuery,
  type SearchSort,
  SearchTimeoutError,
} from '../../../adapters/search-index/port.ts';
import type { RequestCtx } from '../../../context.ts';
import { decodeCursor, encodeCursor } from '../../../http/openapi.ts';
import { withActor } from '../../../unit-of-work.ts';
import { buildAccessFilter } from '../access-filter.ts';
import { withFacetCache } from '../facet-cache.ts';
import { guardQuery } from '../guard.ts';
import { presentSearch } from '../presenter.ts';
import { hasText, parseQuery } from '../query-parser.ts';
import type { SearchInput } from '../schemas.ts';

/** What a nextCursor carries: the sort it belongs to, the engine's sort key, results paged past. */
const cursorSchema = z.object({
  s: z.enum(['relevance', 'date', 'title']),
  a: z.array(z.union([z.string().max(1024), z.number(), z.null()])).max(4),
  d: z.number().int().min(0),
});

/**
 * Permission-aware search: parse and guard the query (the route counted the call against
 * the plan's search calls per minute), then in one tenant transaction build the caller's access filter from the grants as they
 * are now, ask the engine, and audit the search. The engine filters inside itself, so
 * totals, facets and pages only ever cover documents the caller may read.
 */
export async function search({ ctx, input }: { ctx: RequestCtx; input: SearchInput }) {
  const parsed = parseQuery(input.q ?? '');
  const sort: SearchSort = input.sort ?? (hasText(parsed.text) ? 'relevance' : 'date');
  const cursor = decodeCursor(input.cursor, cursorSchema);
  if (cursor && cursor.s !== sort) throw invalidCursor();
  guardQuery(parsed, { limit: input.limit, depth: cursor?.d ?? 0 });
  const timeoutMs = ctx.tenant.limits.searchTimeoutSeconds * 1000;
  const customFields = input.customFields;
  const body = await withActor(
    ctx,
    async ({ tx, actor, audit }) => {
      const query: SearchQuery = {
        text: parsed.text,
        filters: {
          folderId: input.folderId,
          includeSubfolders: input.includeSubfolders,
          tags: input.tags,
          authorId: input.author,
          types: input.types,
          updatedFrom: input.updatedFrom ? new Date(input.updatedFrom) : undefined,
          updatedTo: input.updatedTo ? new Date(input.updatedTo) : undefined,
          customFields,
        },
        access: await buildAccessFilter(tx, ctx.tenant.id, actor),
        facets: input.facets ?? [],
        sort,
        limit: input.limit,
        after: cursor?.a,
        timeoutMs,
      };
      let result: Awaited<ReturnType<typeof ctx.deps.searchIndex.search>>;
      try {
        result = await withFacetCache(ctx.deps, ctx.tenant.id, query, async (q) => {
          const started = performance.now();
          try {
            return await ctx.deps.searchIndex.search(ctx.tenant.id, q);
          } finally {
            ctx.deps.metrics.searchLatency.observe(
              { engine: ctx.deps.searchIndex.engine },
              (performance.now() - started) / 1000,
            );
          }
        });
      } catch (err) {
        if (err instanceof SearchTimeoutError)
          throw new QueryTooCostly(
            `the search ran past your plan's limit of ${ctx.tenant.limits.searchTimeoutSeconds} s; narrow it with more words or filters`,
            { reason: 'timeout' },
          );
        throw err;
      }
      audit({
        action: 'search.query',
        resourceType: 'search',
        resourceId: null,
        details: {
          q: (input.q ?? '').slice(0, 200),
          filters: {
            folderId: input.folderId ?? null,
            tags: input.tags ?? [],
            author: input.author ?? null,
            types: input.types ?? [],
            customFields: customFields ? Object.keys(customFields) : [],
          },
          sort,
          total: result.total,
          engine: ctx.deps.searchIndex.engine,
        },
      });
      const nextCursor = result.next
        ? encodeCursor({ s: sort, a: result.next, d: (cursor?.d ?? 0) + result.hits.length })
        : null;
      return presentSearch(result, nextCursor);
    },
    { readOnly: true },
  );
  return { body };
}
