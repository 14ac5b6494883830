import { createRoute, z } from '@hono/zod-openapi';
import { QuireError, Unauthenticated } from '@quire/shared/errors';
import { tenantIdSchema } from '@quire/shared/input/ids';
import { emailSchema, textSchema } from '@quire/shared/input/text';
import { tenantSecretSchema } from '@quire/shared/tenant-secrets';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { requestMeta } from '../../middleware/client-info.ts';
import { acceptInvitation } from './verbs/invitations.ts';
import { login, refresh } from './verbs/sessions.ts';

const tokenPair = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number(),
  })
  .openapi('TokenPair');

const loginRoute = createRoute({
  method: 'post',
  path: '/v1/auth/login',
  summary: 'Log in with email and password',
  tags: ['auth'],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              tenantId: tenantIdSchema.optional().meta({
                description:
                  "Required unless the request came through the edge on the organisation's hostname (401 without a tenant; 403 tenant_mismatch when it names another tenant than the hostname's)",
              }),
              email: emailSchema,
              password: textSchema({ min: 1, max: 200 }),
            })
            .strict()
            .openapi('Login'),
        },
      },
    },
  },
  responses: { 200: json(tokenPair), ...commonErrors },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/v1/auth/refresh',
  summary: 'Exchange a refresh token for a new pair (rotation; reuse revokes the session)',
  tags: ['auth'],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ refreshToken: tenantSecretSchema.meta({ description: 'From the last token pair' }) })
            .strict(),
        },
      },
    },
  },
  responses: { 200: json(tokenPair), ...commonErrors },
});

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'Public keys that verify this cell’s access tokens',
  tags: ['auth'],
  responses: { 200: json(z.object({ keys: z.array(z.record(z.string(), z.unknown())) })) },
});

const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  summary: 'The caller',
  tags: ['auth'],
  security: bearer,
  middleware: requireUser(),
  responses: {
    200: json(
      z.object({ userId: z.string(), tenantId: z.string(), cell: z.string(), roles: z.array(z.string()) }),
    ),
    ...commonErrors,
  },
});

export const identityRoutes = router();
identityRoutes.openapi(loginRoute, async (c) => {
  const deps = c.get('deps');
  const body = c.req.valid('json');
  const fromEdge = c.get('edge')?.tenantId ?? undefined;
  // As the edge answers: another tenant than the hostname's is a mismatch, no tenant at all cannot sign in.
  if (body.tenantId && fromEdge && body.tenantId !== fromEdge)
    throw new QuireError('tenant_mismatch', 'tenantId names another tenant than this hostname');
  const tenantId = body.tenantId ?? fromEdge;
  if (!tenantId) throw new Unauthenticated("give tenantId, or sign in on your organisation's hostname");
  return c.json(await login(deps, { ...body, tenantId }, requestMeta(c)), 200);
});
identityRoutes.openapi(refreshRoute, async (c) => {
  const deps = c.get('deps');
  return c.json(await refresh(deps, c.req.valid('json'), requestMeta(c)), 200);
});
identityRoutes.openapi(jwksRoute, (c) =>
  c.json(c.get('deps').tokens.publicJwks() as { keys: Record<string, unknown>[] }, 200),
);
identityRoutes.openapi(meRoute, (c) => {
  const { claims } = c.get('ctx');
  return c.json({ userId: claims.sub, tenantId: claims.tid, cell: claims.cell, roles: claims.roles }, 200);
});

const acceptRoute = createRoute({
  method: 'post',
  path: '/v1/auth/accept-invitation',
  summary: 'Set a password with an invitation token (single use)',
  tags: ['auth'],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              token: tenantSecretSchema.meta({ description: 'The invitation token' }),
              password: textSchema({ min: 12, max: 200 }),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 200: json(z.object({ userId: z.string(), email: z.string() })), ...commonErrors },
});
identityRoutes.openapi(acceptRoute, async (c) => {
  const deps = c.get('deps');
  return c.json(await acceptInvitation(deps, c.req.valid('json'), requestMeta(c)), 200);
});
