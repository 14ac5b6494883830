import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import { idSchema } from '@quire/shared/input/ids';
import { lineSchema } from '@quire/shared/input/text';
import { bearer, commonErrors, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { bulkItemSchema, bulkJobSchema as jobSchema } from './schemas.ts';
import {
  cancelBulkJob,
  createBulkJob,
  downloadBulkResult,
  getBulkJob,
  listBulkItems,
  MAX_BULK_ITEMS,
} from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['bulk jobs'] };
const idParams = z.object({ id: idParam('blk', 'Bulk job id') });
const tag = lineSchema(64);
const tags = z.array(tag).max(50);
/** An item: a folder or a document, the id's kind matching the type (one strict object each). */
const item = z.union([
  z.object({ type: z.literal('folder'), id: idSchema('folder', 'The folder') }).strict(),
  z.object({ type: z.literal('document'), id: idSchema('document', 'The document') }).strict(),
]);
const items = z.array(item).min(1).max(MAX_BULK_ITEMS);
/**
 * One strict object per kind, so the document says what each kind needs: move its destination
 * (null: the top level), tag at least one tag to add or to remove.
 */
const createBody = z
  .union([
    z
      .object({
        kind: z.literal('move'),
        items,
        targetFolderId: idParam('fld', 'The destination folder; null for the top level').nullable(),
      })
      .strict(),
    z.object({ kind: z.enum(['trash', 'restore', 'export']), items }).strict(),
    z
      .object({
        kind: z.literal('tag'),
        items,
        tags: z
          .union([
            z.object({ add: tags.min(1), remove: tags.optional() }).strict(),
            z.object({ add: tags.optional(), remove: tags.min(1) }).strict(),
          ])
          .describe('Tags to add and to remove on each document (at least one)'),
      })
      .strict(),
  ])
  .openapi('CreateBulkJob');

export const bulkRoutes = router();

bulkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/bulk-jobs',
    summary: 'Move, trash, restore, tag or export up to 10,000 items as one asynchronous job',
    description:
      'Answers 202 with the job to poll (`GET /v1/bulk-jobs/{id}`); its creator is notified when it ends. With an `Idempotency-Key`, a retry returns the first job (200).',
    request: {
      headers: z.object({
        'idempotency-key': z
          .string()
          .regex(/^[A-Za-z0-9_.:-]{1,128}$/)
          .optional()
          .openapi({ description: 'Retries with the same key return the first job' }),
      }),
      body: { required: true, content: { 'application/json': { schema: createBody } } },
    },
    responses: {
      200: json(jobSchema, 'The job this Idempotency-Key created before'),
      202: json(jobSchema, 'Accepted'),
      409: commonErrors[400],
      ...commonErrors,
    },
  }),
  async (c) => {
    const { job, created } = await createBulkJob({
      ctx: c.get('ctx'),
      input: { ...c.req.valid('json'), idempotencyKey: c.req.valid('header')['idempotency-key'] },
    });
    return created ? c.json(job, 202) : c.json(job, 200);
  },
);

bulkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/bulk-jobs/{id}',
    summary: 'A bulk job: status and progress (items done, failed, pending)',
    request: { params: idParams },
    responses: { 200: json(jobSchema), ...commonErrors },
  }),
  async (c) => c.json(await getBulkJob({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

bulkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/bulk-jobs/{id}/items',
    summary: "A job's items and their outcome (failures item by item)",
    request: {
      params: idParams,
      query: z.object({
        status: z.enum(['pending', 'done', 'failed', 'cancelled']).optional(),
        cursor: z.coerce
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Cursor: the last seq of the previous page'),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
    },
    responses: {
      200: json(
        z.object({
          items: z.array(bulkItemSchema),
          nextCursor: z.string().nullable().describe('The last seq of this page, for `cursor`'),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) =>
    c.json(
      await listBulkItems({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), ...c.req.valid('query') } }),
      200,
    ),
);

bulkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/bulk-jobs/{id}/cancel',
    summary: 'Cancel a job: at once when queued, after the item in hand when running',
    request: { params: idParams },
    responses: { 200: json(jobSchema), 409: commonErrors[400], ...commonErrors },
  }),
  async (c) => c.json(await cancelBulkJob({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

bulkRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/bulk-jobs/{id}/result',
    summary: 'Download a finished export (zip with manifest.json)',
    request: { params: idParams },
    responses: {
      200: {
        description: 'The zip',
        content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      409: commonErrors[400],
      ...commonErrors,
    },
  }),
  async (c) => {
    const { stream, jobId } = await downloadBulkResult({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      status: 200,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="quire-export-${jobId}.zip"`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'x-request-id': c.get('requestId'),
      },
    });
  },
);
