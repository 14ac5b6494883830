import { createRoute, z } from '@hono/zod-openapi';
import { GRANT_ROLES } from '@quire/shared/tenancy';
import { bearer, commonErrors, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { createGrant, listGrants, revokeGrant } from './verbs/grants.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['permissions'] };
const resourceId = z
  .string()
  .regex(/^(fld|doc)_[0-9a-z]{25}$/)
  .openapi({ description: 'Folder or document id' });
const grantSchema = z.record(z.string(), z.unknown()).openapi('Grant');
const grantBody = z
  .object({
    resourceType: z.enum(['folder', 'document']),
    resourceId,
    principalType: z.enum(['user', 'group']),
    principalId: z.string().regex(/^(usr|grp)_[0-9a-z]{25}$/),
    role: z.enum(GRANT_ROLES).openapi({
      description: 'viewer reads; editor also changes content; owner also shares, moves and deletes',
    }),
  })
  .strict()
  .refine(
    (b) => b.principalId.startsWith(b.principalType === 'user' ? 'usr_' : 'grp_'),
    'principalId does not match principalType',
  )
  .refine(
    (b) => b.resourceId.startsWith(b.resourceType === 'folder' ? 'fld_' : 'doc_'),
    'resourceId does not match resourceType',
  )
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
