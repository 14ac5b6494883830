import { createRoute, z } from '@hono/zod-openapi';
import { emailSchema, lineSchema, textSchema } from '@quire/shared/input/text';
import { TENANT_ROLES } from '@quire/shared/tenancy';
import { bearer, commonErrors, conflict, idParam, json, quotaErrors, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { userSchema } from './present.ts';
import { createGroup, createUser, listUsers, setMembership } from './verbs/directory.ts';

const auth = { security: bearer, middleware: requireUser(), tags: ['users'] };
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const memberParams = z.object({ id: idParam('grp', 'Group id'), userId: idParam('usr', 'User id') });

export const directoryRoutes = router();

directoryRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/users',
    summary: 'Add a user (admins)',
    request: {
      body: body(
        z
          .object({
            email: emailSchema,
            name: lineSchema(200),
            role: z.enum(TENANT_ROLES),
            password: textSchema({ min: 12, max: 200 })
              .optional()
              .openapi({ description: 'Omit to invite the user (status invited)' }),
          })
          .strict()
          .openapi('CreateUser'),
      ),
    },
    responses: {
      201: json(userSchema, 'Created'),
      ...commonErrors,
      ...quotaErrors('users'),
      ...conflict('a user with this email exists'),
    },
  }),
  async (c) => c.json(await createUser({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

directoryRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/users',
    summary: 'Users of the tenant (admins)',
    responses: { 200: json(z.object({ items: z.array(userSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listUsers({ ctx: c.get('ctx') }), 200),
);

directoryRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['groups'],
    method: 'post',
    path: '/v1/groups',
    summary: 'Create a group (admins)',
    request: { body: body(z.object({ name: lineSchema(200) }).strict()) },
    responses: {
      201: json(z.object({ id: z.string(), name: z.string(), createdAt: z.string() }), 'Created'),
      ...commonErrors,
      ...conflict('a group with this name exists'),
    },
  }),
  async (c) => c.json(await createGroup({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

directoryRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['groups'],
    method: 'put',
    path: '/v1/groups/{id}/members/{userId}',
    summary: 'Add a member',
    request: { params: memberParams },
    responses: { 204: { description: 'Added' }, ...commonErrors },
  }),
  async (c) => {
    const p = c.req.valid('param');
    await setMembership({ ctx: c.get('ctx'), input: { groupId: p.id, userId: p.userId, member: true } });
    return c.body(null, 204);
  },
);

directoryRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['groups'],
    method: 'delete',
    path: '/v1/groups/{id}/members/{userId}',
    summary: 'Remove a member',
    request: { params: memberParams },
    responses: { 204: { description: 'Removed' }, ...commonErrors },
  }),
  async (c) => {
    const p = c.req.valid('param');
    await setMembership({ ctx: c.get('ctx'), input: { groupId: p.id, userId: p.userId, member: false } });
    return c.body(null, 204);
  },
);
