import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { documentIdSchema } from '../documents/schemas.ts';
import {
  commentIdSchema,
  commentSchema,
  createCommentBody,
  editCommentBody,
  listCommentsQuery,
} from './schemas.ts';
import { deleteComment, editCommentText, setCommentResolved } from './verbs/change.ts';
import { createComment } from './verbs/create.ts';
import { commentHistory, getComment } from './verbs/get.ts';
import { listDocumentComments } from './verbs/list.ts';
import { suggestMentions } from './verbs/suggest.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['comments'] };
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const docParams = z.object({ id: documentIdSchema });
const idParams = z.object({ id: commentIdSchema });
const conflict = { 409: commonErrors[400] };

export const commentRoutes = router();

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/documents/{id}/comments',
    summary: 'Comment on a document, or reply in a thread',
    description:
      '409 `conflict` with `details.reason = "mention_without_access"` when a mention would reach someone who cannot read the document; `details.share` then says how to share it with them first.',
    request: { params: docParams, body: body(createCommentBody) },
    responses: { 201: json(commentSchema, 'Created'), ...conflict, ...commonErrors },
  }),
  async (c) =>
    c.json(
      await createComment({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('json'), documentId: c.req.valid('param').id },
      }),
      201,
    ),
);

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/documents/{id}/comments',
    summary: "A document's comments, oldest first (cursor pagination)",
    request: { params: docParams, query: listCommentsQuery },
    responses: {
      200: json(z.object({ items: z.array(commentSchema), nextCursor: z.string().nullable() })),
      ...commonErrors,
    },
  }),
  async (c) =>
    c.json(
      await listDocumentComments({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('query'), documentId: c.req.valid('param').id },
      }),
      200,
    ),
);

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/comments/{id}',
    summary: 'One comment',
    request: { params: idParams },
    responses: { 200: json(commentSchema), ...commonErrors },
  }),
  async (c) => c.json(await getComment({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/comments/{id}',
    summary: 'Edit a comment (its author); the replaced text is kept in its history',
    request: { params: idParams, body: body(editCommentBody) },
    responses: { 200: json(commentSchema), ...conflict, ...commonErrors },
  }),
  async (c) =>
    c.json(
      await editCommentText({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('json') },
      }),
      200,
    ),
);

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/comments/{id}',
    summary: 'Delete a comment (its author or an owner); it stays in the thread, shown as deleted',
    request: { params: idParams },
    responses: { 200: json(commentSchema), ...conflict, ...commonErrors },
  }),
  async (c) => c.json(await deleteComment({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/comments/{id}/history',
    summary: 'Earlier texts of an edited comment',
    request: { params: idParams },
    responses: {
      200: json(
        z.object({
          items: z.array(
            z.object({
              revision: z.number(),
              body: z.string(),
              editedBy: z.string(),
              replacedAt: z.string(),
            }),
          ),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await commentHistory({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

for (const [path, resolved] of [
  ['/v1/comments/{id}/resolve', true],
  ['/v1/comments/{id}/reopen', false],
] as const) {
  commentRoutes.openapi(
    createRoute({
      ...auth,
      method: 'post',
      path,
      summary: resolved ? 'Resolve a thread (on its first comment)' : 'Reopen a resolved thread',
      request: { params: idParams },
      responses: { 200: json(commentSchema), ...conflict, ...commonErrors },
    }),
    async (c) =>
      c.json(
        await setCommentResolved({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), resolved } }),
        200,
      ),
  );
}

commentRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/mentions/suggest',
    summary: 'People and groups to mention, by the start of a name or email',
    request: {
      body: body(
        z
          .object({
            q: z.string().trim().min(1).max(100),
            documentId: documentIdSchema.optional().describe('Say for each user whether they can read it'),
            limit: z.number().int().min(1).max(25).default(10),
          })
          .strict(),
      ),
    },
    responses: {
      200: json(
        z.object({
          users: z.array(
            z.object({
              id: z.string(),
              name: z.string(),
              email: z.string(),
              marker: z.string(),
              canRead: z.boolean().nullable(),
            }),
          ),
          groups: z.array(z.object({ id: z.string(), name: z.string(), marker: z.string() })),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await suggestMentions({ ctx: c.get('ctx'), input: c.req.valid('json') }), 200),
);
