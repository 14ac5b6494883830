import { createRoute, z } from '@hono/zod-openapi';
import { CELL_ID_PATTERN, REGION_PATTERN } from '@quire/shared/routing';
import { commonErrors, json, jsonBody, opsCtx, opsSecurity, router } from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';
import { cellView } from './presenter.ts';
import { createSlot } from './verbs/create-slot.ts';
import { getCell, listCells } from './verbs/list-cells.ts';
import { rotateCredential } from './verbs/rotate-credential.ts';
import { setDraining } from './verbs/set-draining.ts';

const cellIdParam = z.object({
  id: z.string().regex(CELL_ID_PATTERN).openapi({ description: 'Cell id', example: 'eu-1' }),
});
const credentialResult = z.object({
  cell: cellView,
  credential: z
    .string()
    .describe("Shown once: the cell's INTERNAL_API_TOKEN, used both ways between cell and control plane"),
});

export const cellAdminRoutes = router();

cellAdminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/cells',
    summary: 'Open a slot for a cell: the region team deploys it with the credential returned (once)',
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.create')],
    request: {
      body: jsonBody(
        z
          .object({
            id: z.string().regex(CELL_ID_PATTERN).openapi({ example: 'eu-2' }),
            region: z.string().regex(REGION_PATTERN).openapi({ example: 'eu' }),
          })
          .strict()
          .openapi('CreateCell'),
      ),
    },
    responses: { 201: json(credentialResult), ...commonErrors },
  }),
  async (c) => c.json(await createSlot({ ctx: opsCtx(c), input: c.req.valid('json') }), 201),
);

cellAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/cells',
    summary: 'List cells with their status and load',
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.list')],
    responses: { 200: json(z.object({ cells: z.array(cellView) })), ...commonErrors },
  }),
  async (c) => c.json(await listCells({ ctx: opsCtx(c) }), 200),
);

cellAdminRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/cells/{id}',
    summary: 'One cell',
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.show')],
    request: { params: cellIdParam },
    responses: { 200: json(z.object({ cell: cellView })), ...commonErrors },
  }),
  async (c) => c.json(await getCell({ ctx: opsCtx(c), input: c.req.valid('param') }), 200),
);

for (const [verb, draining] of [
  ['drain', true],
  ['undrain', false],
] as const) {
  cellAdminRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/v1/admin/cells/{id}/${verb}`,
      summary: draining
        ? 'Drain a cell: it keeps serving its tenants but gets no new ones'
        : 'Undrain a cell: it may receive new tenants again',
      tags: ['cells'],
      security: opsSecurity,
      middleware: [allow(`cells.${verb}`)],
      request: { params: cellIdParam },
      responses: { 200: json(z.object({ cell: cellView })), ...commonErrors },
    }),
    async (c) =>
      c.json(await setDraining({ ctx: opsCtx(c), input: { id: c.req.valid('param').id, draining } }), 200),
  );
}

cellAdminRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/admin/cells/{id}/credential',
    summary: "Rotate a cell's credential (the old one stops working at once; shown once)",
    tags: ['cells'],
    security: opsSecurity,
    middleware: [allow('cells.rotate-credential')],
    request: { params: cellIdParam },
    responses: { 200: json(credentialResult), ...commonErrors },
  }),
  async (c) => c.json(await rotateCredential({ ctx: opsCtx(c), input: c.req.valid('param') }), 200),
);
