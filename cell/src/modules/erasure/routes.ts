import { createRoute, z } from '@hono/zod-openapi';
import { idSchema } from '@quire/shared/input/ids';
import { instantSchema } from '@quire/shared/input/instant';
import { bearer, commonErrors, conflict, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { getErasure, listErasures, requestErasure } from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['compliance'] };
const store = z.enum(['redis', 'search', 'blobs', 'postgres']);
const erasureSchema = z
  .object({
    id: z.string(),
    userId: z
      .string()
      .nullable()
      .describe('The person; null once the erasure completed (it no longer names them)'),
    subjectFingerprint: z
      .string()
      .describe('sha256 of the tenant and user id: recognise a completed request by an id you know'),
    status: z.enum(['pending', 'running', 'held', 'completed', 'failed']),
    requestedBy: z.string(),
    reassignTo: z.string().nullable(),
    deadline: z.string(),
    overdue: z.boolean(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    steps: z.partialRecord(store, z.string()).describe('Per store, `done` once erased'),
    proof: z
      .object({
        verifiedAt: z.string(),
        verified: z.boolean().describe('true: every store was queried and none holds a trace'),
        stores: z.array(
          z.object({
            store,
            query: z.string().describe('What was searched, in words'),
            count: z.number().int().describe('Traces found'),
            where: z
              .record(z.string(), z.number().int())
              .optional()
              .describe('Where the traces are (never their values)'),
            at: z.string(),
          }),
        ),
      })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('ErasureRequest');
const STATUSES = ['pending', 'held', 'running', 'completed', 'failed'] as const;

export const erasureRoutes = router();

erasureRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/erasure-requests',
    summary: "Ask for a person's erasure (admins)",
    description:
      'The worker erases the person from Redis, the search index, blobs and Postgres in that order, then queries each store for their identifiers and keeps the proof (`proof.stores[]`: query, count, time). Comments are kept, shown by "Deleted user"; documents go to a tenant admin (`reassignTo`, or the oldest other admin). A custodian under legal hold is not erased: the request is `held` until the hold is released. Answers 202.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                userId: idSchema('user', 'The person to erase'),
                reassignTo: idSchema('user', 'An active admin who receives their documents').optional(),
                deadline: instantSchema
                  .optional()
                  .describe('When it must be done (default: 30 days from now)'),
              })
              .strict()
              .openapi('CreateErasureRequest'),
          },
        },
      },
    },
    responses: {
      202: json(erasureSchema, 'Accepted: pending, or held behind a legal hold'),
      ...commonErrors,
      ...conflict('an erasure of this user is already open, or reassignTo is not an active admin'),
    },
  }),
  async (c) => c.json(await requestErasure({ ctx: c.get('ctx'), input: c.req.valid('json') }), 202),
);

erasureRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/erasure-requests',
    summary: "The tenant's erasure requests, newest first (admins)",
    request: { query: z.object({ status: z.enum(STATUSES).optional() }) },
    responses: { 200: json(z.object({ items: z.array(erasureSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listErasures({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

erasureRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/erasure-requests/{id}',
    summary: 'An erasure request: status, per-store progress and, once completed, its proof (admins)',
    request: { params: z.object({ id: idSchema('erasureRequest', 'Erasure request id') }) },
    responses: { 200: json(erasureSchema), ...commonErrors },
  }),
  async (c) => c.json(await getErasure({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);
