import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, json, jsonBody, opsCtx, opsSecurity, router } from '../../http/openapi.ts';
import { allow } from '../ops-auth/middleware.ts';
import { definitionView, flagDefinitionBody, flagKeySchema } from './schemas.ts';
import { listDefinitions } from './verbs/list-definitions.ts';
import { putDefinition } from './verbs/put-definition.ts';

/** Flag definitions. A tenant's own values are the tenants module's (`/v1/admin/tenants/{idOrSlug}/flags`). */
export const flagRoutes = router();

flagRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/admin/flags',
    summary: 'Feature flag definitions with their per-plan values',
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('flags.read')],
    responses: { 200: json(z.object({ flags: z.array(definitionView) })), ...commonErrors },
  }),
  async (c) => c.json(await listDefinitions({ ctx: opsCtx(c) }), 200),
);

flagRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/admin/flags/{key}',
    summary: 'Define or change a flag: its default and per-plan values (null removes a plan value)',
    tags: ['flags'],
    security: opsSecurity,
    middleware: [allow('flags.write')],
    request: {
      params: z.object({ key: flagKeySchema }),
      body: jsonBody(flagDefinitionBody()),
    },
    responses: { 200: json(z.object({ flag: definitionView })), ...commonErrors },
  }),
  async (c) =>
    c.json(
      await putDefinition({ ctx: opsCtx(c), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);
