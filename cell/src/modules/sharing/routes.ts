import { createRoute, z } from '@hono/zod-openapi';
import { idOfKinds, idSchema } from '@quire/shared/input/ids';
import { GRANT_ROLES } from '@quire/shared/tenancy';
import { bearer, commonErrors, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { createGrant, listGrants, revokeGrant } from './verbs/grants.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['permissions'] };
const resourceId = idOfKinds(['folder', 'document'], 'Folder or document id');
const grantSchema = z
  .object({
    id: z.string(),
    resourceType: z.enum(['folder', 'document']),
    resourceId: z.string(),
    principalType: z.enum(['user', 'group']),
    principalId: z.string(),
    principalName: z.string().nullable().describe("The user's or group's name (never an email)"),
    role: z.enum(GRANT_ROLES),
    createdBy: z.string(),
    createdByName: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Grant');

/**
 * The id's kind must match the type named beside it: the four combinations are spelled out
 * (a union of strict objects), so the document says exactly what the check accepts.
 */
const role = z.enum(GRANT_ROLES).openapi({
  description: 'viewer reads; editor also changes content; owner also shares, moves and deletes',
});
const grantOn = <R extends 'folder' | 'document', P extends 'user' | 'group'>(resource: R, principal: P) =>
  z
    .object({
      resourceType: z.literal(resource),
      resourceId: idSchema(resource, `The ${resource}`),
      principalType: z.literal(principal),
      principalId: idSchema(principal, `The ${principal}`),
      role,
    })
    .strict();
const grantBody = z
  .union([
    grantOn('folder', 'user'),
    grantOn('folder', 'group'),
    grantOn('document', 'user'),
    grantOn('document', 'group'),
  ])
  .openapi('CreateGrant');

export const sharingRoutes = router();

sharingRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/grants',
    summary: 'Grant a role on a folder (inherited) or document',
    request: { body: { required: true, content: { 'application/json': { schema: grantBody } } } },
    responses: { 201: json(grantSchema, 'Created'), ...commonErrors },
  }),
  async (c) => c.json(await createGrant({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

sharingRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/grants',
    summary: 'Grants on a resource',
    request: { query: z.object({ resourceType: z.enum(['folder', 'document']), resourceId }) },
    responses: { 200: json(z.object({ items: z.array(grantSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listGrants({ ctx: c.get('ctx'), input: c.req.valid('query') }), 200),
);

sharingRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/grants/{id}',
    summary: 'Revoke a grant',
    request: { params: z.object({ id: idParam('gnt', 'Grant id') }) },
    responses: { 204: { description: 'Revoked' }, ...commonErrors },
  }),
  async (c) => {
    await revokeGrant({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);
