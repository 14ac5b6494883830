// Schemas shared with the cell and the edge (built with plain zod) are used as they are: no .openapi() on them,
// since @hono/zod-openapi only extends schemas created after it is loaded.
import { createRoute, z } from '@hono/zod-openapi';
import { discoverRequestSchema, discoverResultSchema } from '@quire/shared/discovery';
import { Unauthenticated } from '@quire/shared/errors';
import {
  CELL_ID_PATTERN,
  cellConfigSchema,
  cellHeartbeatSchema,
  edgeSnapshotSchema,
  routeCellSchema,
  routeTenantSchema,
} from '@quire/shared/routing';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../context.ts';
import { safeEqual } from '../../crypto/secret-box.ts';
import {
  bearerToken,
  cellSecurity,
  commonErrors,
  edgeSecurity,
  json,
  jsonBody,
  router,
} from '../../http/openapi.ts';
import { cellAuth } from '../cells/auth.ts';
import { discoverTenant } from '../domains/verbs.ts';
import { readCellConfig } from './cell-config.ts';
import { receiveHeartbeat } from './heartbeat.ts';
import { readEdgeSnapshot, readRoute } from './snapshot.ts';

const edgeAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !safeEqual(token, c.get('deps').edgeToken)) throw new Unauthenticated('invalid edge token');
    await next();
  });

const cellIdParam = z.object({ cellId: z.string().regex(CELL_ID_PATTERN) });
const notModified = { description: 'Unchanged since the ETag given in If-None-Match' };

export const routesApi = router();

routesApi.openapi(
  createRoute({
    method: 'put',
    path: '/v1/cells/{cellId}/heartbeat',
    summary: 'Register (first call) and heartbeat: what the cell advertises, every few seconds',
    description:
      'Includes `search` (engine and the largest tenant, in documents, it serves): placement and plan changes send a cell only tenants whose documents quota its engine serves. A cell without `search` (older) is taken to run Postgres with the default limit.',
    tags: ['cell-facing'],
    security: cellSecurity,
    middleware: [cellAuth()],
    request: { params: cellIdParam, body: jsonBody(cellHeartbeatSchema) },
    responses: {
      200: json(
        z.object({
          cellId: z.string(),
          status: z.enum(['active', 'draining', 'down']),
          configVersion: z.string().describe('Pull /config when this differs from yours'),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) =>
    c.json(await receiveHeartbeat(c.get('deps'), c.req.valid('param').cellId, c.req.valid('json')), 200),
);

routesApi.openapi(
  createRoute({
    method: 'get',
    path: '/v1/cells/{cellId}/config',
    summary: 'Plans, and status/plan/overrides/flags of the tenants homed in this cell (ETag)',
    tags: ['cell-facing'],
    security: cellSecurity,
    middleware: [cellAuth()],
    request: { params: cellIdParam },
    responses: { 200: json(cellConfigSchema), 304: notModified, ...commonErrors },
  }),
  async (c) => {
    const r = await readCellConfig(c.get('deps'), c.req.valid('param').cellId, c.req.header('if-none-match'));
    c.header('cache-control', 'no-cache');
    if (r.notModified) {
      c.header('etag', `"${r.version}"`);
      return c.body(null, 304);
    }
    c.header('etag', `"${r.config.version}"`);
    return c.json(r.config, 200);
  },
);

routesApi.openapi(
  createRoute({
    method: 'get',
    path: '/v1/edge/snapshot',
    summary: 'The routing snapshot: cells, routed tenants, signing keys (ETag)',
    tags: ['edge-facing'],
    security: edgeSecurity,
    middleware: [edgeAuth()],
    responses: { 200: json(edgeSnapshotSchema), 304: notModified, ...commonErrors },
  }),
  async (c) => {
    const r = await readEdgeSnapshot(c.get('deps'), c.req.header('if-none-match'));
    c.header('cache-control', 'no-cache');
    if (r.notModified) {
      c.header('etag', `"${r.version}"`);
      return c.body(null, 304);
    }
    c.header('etag', `"${r.snapshot.version}"`);
    return c.json(r.snapshot, 200);
  },
);

routesApi.openapi(
  createRoute({
    method: 'get',
    path: '/v1/edge/tenants/{idOrSlug}',
    summary: 'One routed tenant and its cell (for a tenant the edge has not seen yet)',
    tags: ['edge-facing'],
    security: edgeSecurity,
    middleware: [edgeAuth()],
    request: {
      params: z.object({
        idOrSlug: z
          .string()
          .regex(/^(ten_)?[a-z0-9][a-z0-9-]{0,39}$/)
          .openapi({ example: 'acme' }),
      }),
    },
    responses: {
      200: json(z.object({ version: z.string(), tenant: routeTenantSchema, cell: routeCellSchema })),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await readRoute(c.get('deps'), c.req.valid('param').idOrSlug), 200),
);

routesApi.openapi(
  createRoute({
    method: 'post',
    path: '/v1/edge/discover',
    summary: 'Which tenant verified this company domain (tenant discovery on the bare hostname)',
    description: 'The edge sends the domain of the email a user typed, never the email itself.',
    tags: ['edge-facing'],
    security: edgeSecurity,
    middleware: [edgeAuth()],
    request: { body: jsonBody(discoverRequestSchema) },
    responses: { 200: json(discoverResultSchema), ...commonErrors },
  }),
  async (c) => c.json(await discoverTenant(c.get('deps'), c.req.valid('json').domain), 200),
);
