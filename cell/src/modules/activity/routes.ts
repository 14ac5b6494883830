import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { documentIdSchema } from '../documents/schemas.ts';
import { folderIdSchema } from '../folders/schemas.ts';
import { documentActivity, FEED_VERBS, folderActivity } from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['activity'] };
const entry = z
  .object({
    id: z.string(),
    at: z.string(),
    verb: z.enum(FEED_VERBS),
    action: z.string(),
    actor: z.object({ type: z.string(), id: z.string(), name: z.string().nullable() }),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('ActivityEntry');
const page = json(z.object({ items: z.array(entry), nextCursor: z.string().nullable() }).openapi('Activity'));
const query = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional()
    .describe('Cursor: the last id of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const activityRoutes = router();

activityRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/documents/{id}/activity',
    summary: 'Who viewed, edited, commented, shared, moved, restored a document, newest first',
    request: { params: z.object({ id: documentIdSchema }), query },
    responses: { 200: page, ...commonErrors },
  }),
  async (c) =>
    c.json(
      await documentActivity({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('query') },
      }),
      200,
    ),
);

activityRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/folders/{id}/activity',
    summary: 'Activity on a folder, its subfolders and its documents, newest first',
    request: { params: z.object({ id: folderIdSchema }), query },
    responses: { 200: page, ...commonErrors },
  }),
  async (c) =>
    c.json(
      await folderActivity({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('query') },
      }),
      200,
    ),
);
