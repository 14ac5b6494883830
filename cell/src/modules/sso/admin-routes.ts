import { createRoute, z } from '@hono/zod-openapi';
import { bearer, commonErrors, conflictError, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { mappingSchema, oidcSettingsSchema, samlSettingsSchema } from './config.ts';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
} from './verbs/connections.ts';

/** Admins configure the tenant's identity providers. Secrets go in, never come out. */
const auth = { security: bearer, middleware: requireUser(), tags: ['sso'] };
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const params = z.object({ id: idParam('sso', 'SSO connection id') });
const connectionSchema = z
  .object({
    id: z.string(),
    protocol: z.enum(['oidc', 'saml']),
    name: z.string(),
    enabled: z.boolean(),
    jit: z.boolean(),
    config: z.record(z.string(), z.unknown()),
    hasClientSecret: z.boolean(),
    mapping: z.record(z.string(), z.unknown()),
    spEntityId: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('SsoConnection');

export const ssoAdminRoutes = router();

ssoAdminRoutes.openapi(
  createRoute({
    ...auth,
    method: 'post',
    path: '/v1/sso/connections',
    summary: 'Add an identity provider (OIDC or SAML) for this tenant (admins)',
    request: {
      body: body(
        z
          .object({
            protocol: z.enum(['oidc', 'saml']),
            name: z.string().trim().min(1).max(100),
            enabled: z.boolean().optional(),
            jit: z.boolean().optional().describe('Create users on their first sign-in (default true)'),
            oidc: oidcSettingsSchema.optional(),
            saml: samlSettingsSchema.optional(),
            mapping: mappingSchema.optional(),
          })
          .strict()
          .openapi('CreateSsoConnection'),
      ),
    },
    responses: { 201: json(connectionSchema, 'Created'), ...commonErrors },
  }),
  async (c) => c.json(await createConnection({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

ssoAdminRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/sso/connections',
    summary: 'The tenant’s identity providers (admins)',
    responses: { 200: json(z.object({ items: z.array(connectionSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listConnections({ ctx: c.get('ctx') }), 200),
);

ssoAdminRoutes.openapi(
  createRoute({
    ...auth,
    method: 'get',
    path: '/v1/sso/connections/{id}',
    summary: 'One identity provider (admins)',
    request: { params },
    responses: { 200: json(connectionSchema), ...commonErrors },
  }),
  async (c) => c.json(await getConnection({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

ssoAdminRoutes.openapi(
  createRoute({
    ...auth,
    method: 'patch',
    path: '/v1/sso/connections/{id}',
    summary: 'Change an identity provider: name, enabled, JIT, settings, secret, mapping (admins)',
    request: {
      params,
      body: body(
        z
          .object({
            name: z.string().trim().min(1).max(100).optional(),
            enabled: z.boolean().optional(),
            jit: z.boolean().optional(),
            oidc: oidcSettingsSchema.optional(),
            saml: samlSettingsSchema.optional(),
            mapping: mappingSchema.optional(),
          })
          .strict()
          .openapi('UpdateSsoConnection'),
      ),
    },
    responses: { 200: json(connectionSchema), ...commonErrors, 409: conflictError },
  }),
  async (c) =>
    c.json(
      await updateConnection({
        ctx: c.get('ctx'),
        input: { ...c.req.valid('param'), ...c.req.valid('json') },
      }),
      200,
    ),
);

ssoAdminRoutes.openapi(
  createRoute({
    ...auth,
    method: 'delete',
    path: '/v1/sso/connections/{id}',
    summary: 'Remove an identity provider and the identities linked through it (admins)',
    request: { params },
    responses: { 204: { description: 'Removed' }, ...commonErrors, 409: conflictError },
  }),
  async (c) => {
    await deleteConnection({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);
