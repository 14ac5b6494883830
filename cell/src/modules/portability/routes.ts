import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '@quire/shared/openapi';
import { bearer, commonErrors, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { exportView } from './presenter.ts';
import { downloadExport, getExport, listExports } from './verbs/read.ts';
import { requestExport } from './verbs/request.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['portability'] };
const idParams = z.object({ id: idParam('pex', 'Export id') });
/** Two strict shapes (not a refinement), so the document says exactly what the check accepts. */
const createBody = z
  .union([
    z
      .object({
        scope: z.literal('user').describe("One person's data"),
        userId: idParam('usr', 'Whose data (default: yours; another user: admins only)').optional(),
      })
      .strict(),
    z.object({ scope: z.literal('tenant').describe('Everything of the tenant (admins)') }).strict(),
  ])
  .openapi('CreatePortabilityExport');

/** Portability exports (GDPR): a user's own data, or an admin's export of any user or the tenant. */
export const portabilityRoutes = router();

portabilityRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/exports',
    summary: "Export a user's data (yours; admins: anyone's) or the whole tenant's (admins), as a zip",
    description:
      "Asynchronous: 202 with the export to poll (`GET /v1/exports/{id}`: progress, then a download link that works for 7 days). Counted against the plan's export rate (documents per hour): 429 limit_exceeded past it.",
    request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
    responses: {
      202: json(exportView, 'Accepted: queued'),
      ...commonErrors,
      429: errorResponse(
        "Rate limited, or the plan's export rate is spent (limit_exceeded, details.retryAfterSeconds)",
      ),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const input = body.scope === 'user' ? { scope: body.scope, userId: body.userId } : { scope: body.scope };
    return c.json(await requestExport({ ctx: c.get('ctx'), input }), 202);
  },
);

portabilityRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/exports',
    summary: 'Your exports (requested by or about you); admins: every export of the tenant (newest 100)',
    responses: { 200: json(z.object({ exports: z.array(exportView) })), ...commonErrors },
  }),
  async (c) => c.json(await listExports({ ctx: c.get('ctx') }), 200),
);

portabilityRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/exports/{id}',
    summary: 'An export: status, progress, and its download link once ready',
    request: { params: idParams },
    responses: { 200: json(exportView), ...commonErrors },
  }),
  async (c) => c.json(await getExport({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

portabilityRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/exports/{id}/download',
    summary: 'Download a finished export: a zip of manifest.json, activity.json and files/',
    request: { params: idParams },
    responses: {
      200: {
        description: 'The zip',
        content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...commonErrors,
      409: errorResponse('The export is not ready (conflict)'),
      410: errorResponse('The download link has expired (gone)'),
    },
  }),
  async (c) => {
    const { stream, row } = await downloadExport({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      status: 200,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="quire-${row.scope}-export-${row.id}.zip"`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'x-request-id': c.get('requestId'),
      },
    });
  },
);
