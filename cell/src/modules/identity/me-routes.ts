import { createRoute, z } from '@hono/zod-openapi';
import { API_TOKEN_SCOPES } from '../../auth/credentials.ts';
import { bearer, commonErrors, conflictError, idParam, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { createApiToken, listApiTokens, MAX_TOKEN_DAYS, revokeApiToken } from './verbs/api-tokens.ts';
import {
  confirmMyTotp,
  mfaStatus,
  regenerateRecoveryCodes,
  removeMyMfa,
  startMyTotp,
} from './verbs/my-mfa.ts';
import { listMySessions, revokeMySession } from './verbs/my-sessions.ts';

/** The caller's own sessions, API tokens and second factor. Logins only (not API tokens). */
const auth = { security: bearer, middleware: requireUser() };
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const codeBody = body(z.object({ code: z.string().regex(/^\d{6}$/) }).strict());

const sessionSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    method: z.string(),
    amr: z.array(z.string()),
    mfa: z.boolean(),
    current: z.boolean(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.string(),
    lastSeenAt: z.string().nullable(),
    expiresAt: z.string(),
  })
  .openapi('Session');
const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiToken');
const recoveryCodes = z.object({
  recoveryCodes: z.array(z.string()).describe('Shown once; store them safely'),
});

export const meRoutes = router();

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['sessions'],
    method: 'get',
    path: '/v1/me/sessions',
    summary: 'My live sessions (logins)',
    responses: { 200: json(z.object({ items: z.array(sessionSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listMySessions({ ctx: c.get('ctx') }), 200),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['sessions'],
    method: 'delete',
    path: '/v1/me/sessions/{id}',
    summary: 'End one of my sessions',
    request: { params: z.object({ id: idParam('ses', 'Session id') }) },
    responses: { 204: { description: 'Ended' }, ...commonErrors },
  }),
  async (c) => {
    await revokeMySession({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['api-tokens'],
    method: 'post',
    path: '/v1/me/api-tokens',
    summary: 'Create a personal API token (shown once; made from a login, never from another token)',
    request: {
      body: body(
        z
          .object({
            name: z.string().trim().min(1).max(100),
            scopes: z.array(z.enum(API_TOKEN_SCOPES)).min(1),
            expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
          })
          .strict()
          .openapi('CreateApiToken'),
      ),
    },
    responses: { 201: json(tokenSchema.extend({ token: z.string() }), 'Created'), ...commonErrors },
  }),
  async (c) => c.json(await createApiToken({ ctx: c.get('ctx'), input: c.req.valid('json') }), 201),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['api-tokens'],
    method: 'get',
    path: '/v1/me/api-tokens',
    summary: 'My live API tokens',
    responses: { 200: json(z.object({ items: z.array(tokenSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listApiTokens({ ctx: c.get('ctx') }), 200),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['api-tokens'],
    method: 'delete',
    path: '/v1/me/api-tokens/{id}',
    summary: 'Revoke one of my API tokens',
    request: { params: z.object({ id: idParam('tok', 'API token id') }) },
    responses: { 204: { description: 'Revoked' }, ...commonErrors },
  }),
  async (c) => {
    await revokeApiToken({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['mfa'],
    method: 'get',
    path: '/v1/me/mfa',
    summary: 'My second factor',
    responses: {
      200: json(
        z.object({
          enrolled: z.boolean(),
          requiredByPolicy: z.boolean(),
          factors: z.array(
            z.object({ id: z.string(), kind: z.string(), label: z.string(), createdAt: z.string() }),
          ),
          recoveryCodesRemaining: z.number(),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await mfaStatus({ ctx: c.get('ctx') }), 200),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['mfa'],
    method: 'post',
    path: '/v1/me/mfa/totp',
    summary: 'Start enrolling an authenticator app (confirm with its first code)',
    responses: {
      200: json(z.object({ factorId: z.string(), secret: z.string(), otpauthUri: z.string() })),
      ...commonErrors,
      409: conflictError,
    },
  }),
  async (c) => c.json(await startMyTotp({ ctx: c.get('ctx') }), 200),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['mfa'],
    method: 'post',
    path: '/v1/me/mfa/totp/confirm',
    summary: 'Confirm the authenticator with its first code; answers the recovery codes',
    request: { body: codeBody },
    responses: { 200: json(recoveryCodes), ...commonErrors, 409: conflictError },
  }),
  async (c) => c.json(await confirmMyTotp({ ctx: c.get('ctx'), input: c.req.valid('json') }), 200),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['mfa'],
    method: 'post',
    path: '/v1/me/mfa/recovery-codes',
    summary: 'New recovery codes (the old ones stop working); needs a current code',
    request: { body: codeBody },
    responses: { 200: json(recoveryCodes), ...commonErrors },
  }),
  async (c) => c.json(await regenerateRecoveryCodes({ ctx: c.get('ctx'), input: c.req.valid('json') }), 200),
);

meRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['mfa'],
    method: 'post',
    path: '/v1/me/mfa/remove',
    summary: 'Remove my second factor (needs a current code; refused where policy requires one)',
    request: { body: codeBody },
    responses: { 204: { description: 'Removed' }, ...commonErrors, 409: conflictError },
  }),
  async (c) => {
    await removeMyMfa({ ctx: c.get('ctx'), input: c.req.valid('json') });
    return c.body(null, 204);
  },
);
