import { createRoute } from '@hono/zod-openapi';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { usageSchema } from './schemas.ts';
import { getUsage } from './verbs/get-usage.ts';

export const usageRoutes = router();

usageRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/usage',
    summary: "The tenant's usage against every quota of its plan (admins)",
    description:
      'Storage (bytes of every stored version, each blob once), documents (trashed ones included until deleted for good) ' +
      'and users are counted with every change; the other limits are listed with their effective value. ' +
      'A write past a counted quota answers 403 quota_exceeded with details { resource, limit, used }.',
    security: bearer,
    middleware: requireUser(),
    tags: ['usage'],
    responses: { 200: json(usageSchema), ...commonErrors },
  }),
  async (c) => c.json(await getUsage({ ctx: c.get('ctx') }), 200),
);
