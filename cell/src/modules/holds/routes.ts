import { createRoute, z } from '@hono/zod-openapi';
import { idSchema } from '@quire/shared/input/ids';
import { lineSchema, textSchema } from '@quire/shared/input/text';
import { bearer, commonErrors, conflict, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { COARSE_TYPES } from '../extraction/kinds.ts';
import {
  createHold,
  getHold,
  historyCsv,
  holdHistory,
  listHeldRequests,
  listHolds,
  releaseHold,
} from './verbs.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['compliance'] };
const idParams = z.object({ id: idSchema('legalHold', 'Legal hold id') });
const tag = lineSchema(64);
const heldKind = z
  .enum(['document.trash', 'document.delete', 'folder.trash', 'bulk.item', 'retention.item', 'erasure'])
  .describe(
    'What was asked for: trash or delete a document, trash a folder, an item of a bulk job, of a retention run, an erasure',
  );

const savedSearch = z
  .object({
    q: textSchema({ max: 500 }).optional().describe('Free text, as POST /v1/search takes it'),
    tags: z.array(tag).max(20).optional(),
    folderId: idSchema('folder', 'Only documents below this folder').optional(),
    author: idSchema('user', 'Only documents by this user').optional(),
    types: z.array(z.enum(COARSE_TYPES)).max(10).optional(),
  })
  .strict()
  .openapi('SavedSearch');

const holdSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    status: z.enum(['active', 'released']),
    documentIds: z.array(z.string()).describe('Held one by one (also those the saved search matched)'),
    folderIds: z.array(z.string()).describe('Everything below them is held'),
    custodianIds: z.array(z.string()).describe('Every document they authored is held; they cannot be erased'),
    search: z.union([savedSearch, z.null()]).describe('The saved search the hold was placed with, if any'),
    searchMatches: z.number().int().describe('Documents the saved search matched when the hold was placed'),
    createdBy: z.string(),
    createdAt: z.string(),
    releasedBy: z.string().nullable(),
    releasedAt: z.string().nullable(),
  })
  .openapi('LegalHold');

const heldRequestSchema = z
  .object({
    id: z.string(),
    kind: heldKind,
    targetId: z.string().describe('The document, folder or person the request was for'),
    requestedBy: z.string(),
    holdIds: z.array(z.string()),
    status: z.enum(['queued', 'resumed', 'dropped']),
    createdAt: z.string(),
    resumedAt: z.string().nullable(),
    outcome: z.string().nullable().describe('What resuming it did, in words'),
  })
  .openapi('HeldRequest');

const releasedSchema = holdSchema
  .extend({
    resumed: z
      .array(z.object({ id: z.string(), outcome: z.string() }))
      .describe('The queued requests carried out on release, oldest first, and what each did'),
  })
  .openapi('ReleasedLegalHold');

const historySchema = z
  .object({
    holdId: z.string(),
    name: z.string(),
    events: z.array(
      z.object({
        id: z.string(),
        event: z.enum(['placed', 'blocked', 'released']),
        actorId: z.string().nullable(),
        details: z
          .union([
            z.object({
              name: z.string(),
              documents: z.number().int(),
              folders: z.number().int(),
              custodians: z.number().int(),
              searchMatches: z.number().int(),
            }),
            z.object({ kind: heldKind, targetId: z.string() }),
          ])
          .nullable()
          .describe('placed: what it held; blocked: the request it stopped; released: none'),
        occurredAt: z.string(),
      }),
    ),
  })
  .openapi('LegalHoldHistory');

export const holdRoutes = router();

holdRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/legal-holds',
    summary: 'Place a named legal hold (admins)',
    description:
      'Over documents, folders (everything below them), custodians (every document they authored; they cannot be erased) and/or a saved search (its body is kept; the documents it matches now are held one by one). Held items cannot be trashed, deleted permanently, purged by retention or erased: such requests answer 409 `conflict` with `details.reason = "legal_hold"`, are queued and resumed in order on release, and the requester is notified (`hold_blocked`).',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                name: lineSchema(200),
                description: textSchema({ max: 4000 }).optional(),
                documentIds: z.array(idSchema('document', 'A held document')).max(1000).optional(),
                folderIds: z.array(idSchema('folder', 'A held folder')).max(1000).optional(),
                custodianIds: z.array(idSchema('user', 'A custodian')).max(1000).optional(),
                search: savedSearch.optional(),
              })
              .strict()
              .openapi('CreateLegalHold'),
          },
        },
      },
    },
    responses: {
      201: json(holdSchema, 'Placed'),
      ...commonErrors,
      ...conflict('an active hold has this name, or the saved search matches too many documents'),
    },
  }),
  async (c) => c.json(await createHold({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

holdRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/legal-holds',
    summary: "The tenant's legal holds, newest first (admins)",
    request: { query: z.object({ status: z.enum(['active', 'released']).optional() }) },
    responses: { 200: json(z.object({ items: z.array(holdSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listHolds({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

holdRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/legal-holds/queue',
    summary: 'Requests legal holds stopped: queued, and resumed with their outcome (admins)',
    request: { query: z.object({ status: z.enum(['queued', 'resumed', 'dropped']).optional() }) },
    responses: {
      200: json(z.object({ items: z.array(heldRequestSchema) })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await listHeldRequests({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

holdRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/legal-holds/{id}',
    summary: 'A legal hold and what it holds (admins)',
    request: { params: idParams },
    responses: { 200: json(holdSchema), ...commonErrors },
  }),
  async (c) => c.json(await getHold({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

holdRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/legal-holds/{id}/release',
    summary: 'Release a legal hold (admins); what it queued resumes, oldest first',
    request: { params: idParams },
    responses: {
      200: json(
        releasedSchema,
        'Released; `resumed` lists the queued requests carried out and their outcome',
      ),
      ...commonErrors,
      ...conflict('the hold is already released'),
    },
  }),
  async (c) => c.json(await releaseHold({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

holdRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/legal-holds/{id}/history',
    summary: "A hold's history: placed, every request it stopped, released (admins; JSON or CSV)",
    request: {
      params: idParams,
      query: z.object({ format: z.enum(['json', 'csv']).default('json') }),
    },
    responses: {
      200: {
        description: 'The history',
        content: {
          'application/json': { schema: historySchema },
          'text/csv': { schema: z.string() },
        },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const history = await holdHistory({ ctx: c.get('ctx'), input: c.req.valid('param') });
    if (c.req.valid('query').format === 'csv')
      return c.body(historyCsv(history), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="legal-hold-${history.holdId}.csv"`,
      });
    return c.json(history, 200);
  },
);
