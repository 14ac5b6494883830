import { createRoute, z } from '@hono/zod-openapi';
import { BadRequest } from '@quire/shared/errors';
import { bearer, commonErrors, errorSchema, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { enforceRateLimits, searchChecks } from '../../rate-limit/plan-limits.ts';
import { documentIdSchema, versionIdSchema } from '../documents/schemas.ts';
import { searchBody, searchResultSchema } from './schemas.ts';
import { preview } from './verbs/preview.ts';
import { search } from './verbs/search.ts';

export const searchRoutes = router();

searchRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/search',
    summary: 'Full-text search over the documents the caller may read',
    description:
      'Words, phrases, prefixes and exclusions; filters; facets with exact counts; a total exact up to 10,000; sort and cursor pages. ' +
      'Only documents the caller may read are matched, counted and faceted. A POST with a JSON body: ' +
      'search terms and filters never travel in a URL (URLs are logged outside the region). ' +
      'Also refused (400, naming the field): a cursor that is not the nextCursor of a previous page, ' +
      'updatedTo not after updatedFrom, includeSubfolders false without folderId.',
    security: bearer,
    middleware: requireUser(),
    tags: ['search'],
    request: { body: { required: true, content: { 'application/json': { schema: searchBody } } } },
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
    // A query string here would put search terms in a logged URL: refused, never used.
    if (c.req.url.includes('?')) {
      throw new BadRequest('search terms and filters go in the JSON body, not in the URL');
    }
    const ctx = c.get('ctx');
    // On top of the API limit every request counts against: the plan's searches per minute.
    await enforceRateLimits(c, ctx, searchChecks(ctx));
    const { body } = await search({ ctx, input: c.req.valid('json') });
    return c.json(body, 200);
  },
);

searchRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/documents/{id}/preview',
    summary: 'A PNG preview of the first page (PDF) or the image, made by the search worker',
    security: bearer,
    middleware: requireUser(),
    tags: ['documents'],
    request: {
      params: z.object({ id: documentIdSchema }),
      query: z.object({ versionId: versionIdSchema.optional() }).strict(),
    },
    responses: {
      200: {
        description: 'The preview',
        content: { 'image/png': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const result = await preview({
      ctx: c.get('ctx'),
      input: { ...c.req.valid('param'), ...c.req.valid('query') },
    });
    return c.body(new Uint8Array(result.png), 200, {
      'content-type': 'image/png',
      'content-length': String(result.png.length),
      'cache-control': 'private, max-age=300',
      etag: `"${result.etag}"`,
      'x-content-type-options': 'nosniff',
    });
  },
);
