import { createRoute } from '@hono/zod-openapi';
import { bearer, commonErrors, errorSchema, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { searchQuery, searchResultSchema } from './schemas.ts';
import { search } from './verbs/search.ts';

export const searchRoutes = router();

searchRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/search',
    summary: 'Full-text search over the documents the caller may read',
    description:
      'Words, phrases, prefixes and exclusions; filters; facets with exact counts; sort and cursor pages. ' +
      'Only documents the caller may read are matched, counted and faceted.',
    security: bearer,
    middleware: requireUser(),
    tags: ['search'],
    request: { query: searchQuery },
    responses: {
      200: json(searchResultSchema),
      422: {
        description: 'The query guard refused the query (query_too_costly)',
        content: { 'application/json': { schema: errorSchema } },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const { body, rate } = await search({ ctx: c.get('ctx'), input: c.req.valid('query') });
    c.header('RateLimit-Limit', String(rate.limit));
    c.header('RateLimit-Remaining', String(rate.remaining));
    c.header('RateLimit-Reset', String(rate.resetSeconds));
    return c.json(body, 200);
  },
);
