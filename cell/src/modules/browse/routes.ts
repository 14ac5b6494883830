import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { folderIdSchema, pageQuery } from '../folders/schemas.ts';
import { listChildren } from './verbs/list-children.ts';

/** Browsing a folder's contents: its subfolders and its documents, above both modules. */
const auth = { security: bearer, middleware: requireUser(), tags: ['folders'] };
const childrenParams = z.object({
  id: z
    .union([folderIdSchema, z.literal('root')])
    .openapi({ description: 'Folder id, or `root` for the top level' }),
});
const listing = z
  .object({ items: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() })
  .openapi('Children');

export const browseRoutes = router();

browseRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/folders/{id}/children',
    summary: 'Subfolders then documents, paginated',
    request: { params: childrenParams, query: pageQuery('folder', 'document') },
    responses: { 200: json(listing), ...commonErrors },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    return c.json(
      await listChildren({
        ctx: c.get('ctx'),
        input: { folderId: id === 'root' ? null : id, cursor: q.cursor, limit: q.limit },
      }),
      200,
    );
  },
);
