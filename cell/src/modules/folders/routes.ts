import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, conflict, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import {
  createFolderBody,
  folderDetailSchema,
  folderIdSchema,
  folderSchema,
  pageQuery,
  updateFolderBody,
} from './schemas.ts';
import { createFolder } from './verbs/create.ts';
import { deleteFolder } from './verbs/delete.ts';
import { listDescendants } from './verbs/descendants.ts';
import { getFolder } from './verbs/get.ts';
import { listTrashedFolders, setFolderTrashed } from './verbs/trash.ts';
import { updateFolder } from './verbs/update.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['folders'] };
const idParams = z.object({ id: folderIdSchema });
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const folderRoutes = router();

folderRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/folders',
    summary: 'Create a folder',
    request: { body: body(createFolderBody) },
    responses: {
      201: json(folderSchema, 'Created'),
      ...commonErrors,
      ...conflict('a folder with this name already exists there'),
    },
  }),
  async (c) => c.json(await createFolder({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

folderRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/folders/{id}',
    summary: 'A folder with breadcrumbs and the caller’s abilities',
    request: { params: idParams },
    responses: { 200: json(folderDetailSchema), ...commonErrors },
  }),
  async (c) => c.json(await getFolder({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

folderRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/folders/{id}',
    summary: 'Rename or move a folder',
    request: { params: idParams, body: body(updateFolderBody) },
    responses: {
      200: json(folderSchema),
      ...commonErrors,
      ...conflict('a folder with this name already exists there, or the move is into its own subtree'),
    },
  }),
  async (c) =>
    c.json(
      await updateFolder({ ctx: c.get('ctx'), input: { ...c.req.valid('json'), ...c.req.valid('param') } }),
      200,
    ),
);

folderRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/folders/{id}',
    summary: 'Delete an empty folder',
    request: { params: idParams },
    responses: { 204: { description: 'Deleted' }, ...commonErrors, ...conflict('the folder is not empty') },
  }),
  async (c) => {
    await deleteFolder({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);

folderRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/folders/{id}/descendants',
    summary: 'The folder subtree, depth-first',
    request: {
      params: idParams,
      query: z.object({
        maxDepth: z.coerce.number().int().min(1).max(100).default(100),
        limit: z.coerce.number().int().min(1).max(1000).default(500),
      }),
    },
    responses: {
      200: json(
        z.object({
          items: z.array(
            z.object({
              id: z.string(),
              name: z.string(),
              parentId: z.string().nullable(),
              depth: z.number(),
            }),
          ),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) =>
    c.json(
      await listDescendants({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('query') },
      }),
      200,
    ),
);

const trashResult = z
  .object({ folder: folderSchema, folders: z.number(), documents: z.number() })
  .openapi('FolderTrashResult');

for (const [path, trashed] of [
  ['/v1/folders/{id}/trash', true],
  ['/v1/folders/{id}/restore', false],
] as const) {
  folderRoutes.openapi(
    createRoute({
      ...auth,
      method: 'post',
      path,
      summary: trashed
        ? 'Move a folder and its whole subtree to the trash (owners)'
        : 'Restore a trashed folder with everything that went to the trash with it (owners)',
      request: { params: idParams },
      responses: { 200: json(trashResult), 409: commonErrors[400], ...commonErrors },
    }),
    async (c) =>
      c.json(await setFolderTrashed({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), trashed } }), 200),
  );
}

folderRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/trash/folders',
    summary: 'Folders in the trash (as a whole) that the caller may restore',
    request: { query: pageQuery('folder') },
    responses: {
      200: json(z.object({ items: z.array(folderSchema), nextCursor: z.string().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await listTrashedFolders({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);
