import { createRoute, z } from '@hono/zod-openapi';
import { Unauthenticated } from '@quire/shared/errors';
import { tenantIdSchema } from '@quire/shared/input/ids';
import { emailSchema, patternString, textSchema } from '@quire/shared/input/text';
import { tenantSecretSchema } from '@quire/shared/tenant-secrets';
import {
  CSRF_HEADER,
  clearMfaCookie,
  clearSessionCookies,
  MFA_COOKIE,
  REFRESH_COOKIE,
  readCookie,
} from '../../auth/browser.ts';
import { bearer, commonErrors, json, router } from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { requestMeta } from '../../middleware/client-info.ts';
import { namedTenant } from '../../middleware/named-tenant.ts';
import {
  cookieSessionSchema,
  loginResultSchema,
  presentLogin,
  presentSession,
  tokenPairSchema,
} from './present.ts';
import { acceptInvitation } from './verbs/invitations.ts';
import { passwordLogin } from './verbs/login.ts';
import { logout, logoutEverywhere, me } from './verbs/my-sessions.ts';
import { refresh } from './verbs/refresh.ts';
import { enrollDuringLogin, verifySecondFactor } from './verbs/second-factor.ts';

const tags = ['auth'];
const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});
const sessionMode = z
  .enum(['token', 'cookie'])
  .default('token')
  .describe(
    'token: a token pair in the body (API clients); cookie: HttpOnly cookies + a CSRF token (browsers)',
  );

export const identityRoutes = router();

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/login',
    summary: 'Log in with email and password (a session, or a second-factor challenge)',
    tags,
    request: {
      body: jsonBody(
        z
          .object({
            tenantId: tenantIdSchema.optional().meta({
              description:
                "Required unless the request came through the edge on the organisation's hostname (401 without a tenant; 403 tenant_mismatch when it names another tenant than the hostname's)",
            }),
            email: emailSchema,
            password: textSchema({ min: 1, max: 200 }),
            session: sessionMode,
          })
          .strict()
          .openapi('Login'),
      ),
    },
    responses: { 200: json(loginResultSchema), ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const tenantId = namedTenant(c, body.tenantId);
    const outcome = await passwordLogin(
      c.get('deps'),
      {
        tenantId,
        email: body.email,
        password: body.password,
        kind: body.session === 'cookie' ? 'cookie' : 'bearer',
      },
      requestMeta(c),
    );
    return c.json(presentLogin(c, outcome), 200);
  },
);

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/refresh',
    summary:
      'A new access token (rotation; reuse revokes the session). Browsers: no body, the cookie and x-csrf-token',
    tags,
    request: {
      body: jsonBody(
        z
          .object({
            refreshToken: tenantSecretSchema
              .optional()
              .meta({ description: 'From the last token pair (or its cookie)' }),
          })
          .strict(),
        false,
      ),
    },
    responses: { 200: json(z.union([tokenPairSchema, cookieSessionSchema])), ...commonErrors },
  }),
  async (c) => {
    const fromBody = c.req.header('content-type')?.includes('json')
      ? c.req.valid('json').refreshToken
      : undefined;
    const fromCookie = fromBody ? undefined : readCookie(c, REFRESH_COOKIE);
    const refreshToken = fromBody ?? fromCookie;
    if (!refreshToken) throw new Unauthenticated('a refresh token is required');
    const session = await refresh(
      c.get('deps'),
      { refreshToken, via: fromBody ? 'body' : 'cookie', csrf: c.req.header(CSRF_HEADER) },
      requestMeta(c),
    );
    return c.json(presentSession(c, session), 200);
  },
);

const mfaToken = tenantSecretSchema
  .optional()
  .describe('The mfaToken of the login answer (browsers after SSO: omitted, the challenge cookie is used)');

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/mfa/enroll',
    summary: 'During a login that requires a second factor the user lacks: a TOTP secret to enrol',
    tags,
    request: { body: jsonBody(z.object({ mfaToken }).strict()) },
    responses: {
      200: json(z.object({ factorId: z.string(), secret: z.string(), otpauthUri: z.string() })),
      ...commonErrors,
    },
  }),
  async (c) => {
    const challenge = c.req.valid('json').mfaToken ?? readCookie(c, MFA_COOKIE);
    if (!challenge) throw new Unauthenticated('the sign-in challenge is missing; sign in again');
    return c.json(await enrollDuringLogin(c.get('deps'), { challenge }, requestMeta(c)), 200);
  },
);

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/mfa/verify',
    summary: 'The second factor of a login: a TOTP code or a recovery code; answers the session',
    tags,
    request: {
      body: jsonBody(
        // Either a TOTP code or a recovery code, never both (each a strict object of its own).
        z
          .union([
            z.object({ mfaToken, code: z.string().regex(/^\d{6}$/) }).strict(),
            z
              .object({
                mfaToken,
                recoveryCode: patternString({
                  pattern: '^[A-Za-z0-9 -]*$',
                  min: 8,
                  max: 32,
                  message: 'letters, digits, spaces and dashes',
                }),
              })
              .strict(),
          ])
          .openapi('MfaVerify'),
      ),
    },
    responses: {
      200: json(
        z.union([
          tokenPairSchema.extend({ recoveryCodes: z.array(z.string()).optional() }),
          cookieSessionSchema.extend({ recoveryCodes: z.array(z.string()).optional() }),
        ]),
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const fromCookie = body.mfaToken ? undefined : readCookie(c, MFA_COOKIE);
    const challenge = body.mfaToken ?? fromCookie;
    if (!challenge) throw new Unauthenticated('the sign-in challenge is missing; sign in again');
    const { session, recoveryCodes } = await verifySecondFactor(
      c.get('deps'),
      {
        challenge,
        code: 'code' in body ? body.code : undefined,
        recoveryCode: 'recoveryCode' in body ? body.recoveryCode : undefined,
      },
      requestMeta(c),
    );
    if (fromCookie) clearMfaCookie(c);
    return c.json({ ...presentSession(c, session), ...(recoveryCodes ? { recoveryCodes } : {}) }, 200);
  },
);

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/logout',
    summary: 'End this session (clears the browser cookies)',
    tags,
    security: bearer,
    middleware: requireUser(),
    responses: { 204: { description: 'Logged out' }, ...commonErrors },
  }),
  async (c) => {
    await logout({ ctx: c.get('ctx') });
    clearSessionCookies(c);
    return c.body(null, 204);
  },
);

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/logout-all',
    summary: 'End every session of the caller, this one included (API tokens stay)',
    tags,
    security: bearer,
    middleware: requireUser(),
    responses: { 200: json(z.object({ revoked: z.number() })), ...commonErrors },
  }),
  async (c) => {
    const result = await logoutEverywhere({ ctx: c.get('ctx') });
    clearSessionCookies(c);
    return c.json(result, 200);
  },
);

identityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'Public keys that verify this cell’s access tokens',
    tags,
    responses: { 200: json(z.object({ keys: z.array(z.record(z.string(), z.unknown())) })) },
  }),
  (c) => c.json(c.get('deps').tokens.publicJwks() as { keys: Record<string, unknown>[] }, 200),
);

identityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/me',
    summary: 'The caller, as the cell knows them now',
    tags,
    security: bearer,
    middleware: requireUser(),
    responses: {
      200: json(
        z.object({
          userId: z.string(),
          tenantId: z.string(),
          cell: z.string(),
          roles: z.array(z.string()),
          email: z.string(),
          name: z.string(),
          sessionId: z.string(),
          credential: z.enum(['bearer', 'cookie', 'api_token', 'scim']),
          mfa: z.boolean().describe('This credential passed a second factor'),
        }),
      ),
      ...commonErrors,
    },
  }),
  async (c) => c.json(await me({ ctx: c.get('ctx') }), 200),
);

identityRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/accept-invitation',
    summary: 'Set a password with an invitation token (single use)',
    tags,
    request: {
      body: jsonBody(
        z
          .object({
            token: tenantSecretSchema.meta({ description: 'The invitation token' }),
            password: textSchema({ min: 12, max: 200 }),
          })
          .strict(),
      ),
    },
    responses: { 200: json(z.object({ userId: z.string(), email: z.string() })), ...commonErrors },
  }),
  async (c) => c.json(await acceptInvitation(c.get('deps'), c.req.valid('json'), requestMeta(c)), 200),
);
