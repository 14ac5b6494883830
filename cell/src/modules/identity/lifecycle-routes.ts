import { createRoute, z } from '@hono/zod-openapi';
import { TENANT_ROLES } from '@quire/shared/tenancy';
import {
  bearer,
  commonErrors,
  conflictError,
  conflictReasons,
  idParam,
  json,
  router,
} from '../../http/openapi.ts';
import { requireUser } from '../../middleware/auth.ts';
import { alertSchema } from './alerts.ts';
import { userSchema } from './present.ts';
import { offboardUser, resetUserMfa, revokeUserSessions, updateUser } from './verbs/lifecycle.ts';
import { acknowledgeAlert, getSettings, listAlerts, updateSettings } from './verbs/settings.ts';

/** Admins: a user's lifecycle, the tenant's identity policy and its alerts. */
const auth = { security: bearer, middleware: requireUser() };
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
const userParams = z.object({ id: idParam('usr', 'User id') });
const settingsSchema = z
  .object({
    mfaRequired: z.enum(['off', 'admins', 'all']),
    passwordLogin: z.enum(['allowed', 'sso_only']),
    trustIdpMfa: z.boolean(),
    ssoUnavailable: z.boolean(),
    ssoUnavailableUntil: z.string().nullable(),
    deprovisionTransferTo: z.string().nullable(),
  })
  .openapi('IdentitySettings');

export const lifecycleRoutes = router();

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['users'],
    method: 'patch',
    path: '/v1/users/{id}',
    summary: 'Change a user’s role or name, disable or re-enable them, mark a break-glass account (admins)',
    request: {
      params: userParams,
      body: body(
        z
          .object({
            role: z.enum(TENANT_ROLES).optional(),
            status: z.enum(['active', 'disabled']).optional(),
            name: z.string().trim().min(1).max(200).optional(),
            breakGlass: z
              .boolean()
              .optional()
              .describe('Password + MFA account that works only while SSO is unavailable'),
          })
          .strict()
          .openapi('UpdateUser'),
      ),
    },
    responses: { 200: json(userSchema), ...commonErrors, 409: conflictError },
  }),
  async (c) =>
    c.json(
      await updateUser({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['users'],
    method: 'post',
    path: '/v1/users/{id}/offboard',
    summary:
      'Offboard a user: their documents go to another user; every session, grant, membership and token is revoked (admins)',
    request: {
      params: userParams,
      body: body(
        z
          .object({
            transferTo: idParam('usr', 'Who receives the documents and folders they own')
              .nullable()
              .describe('null: nobody (admins still reach everything)'),
          })
          .strict(),
      ),
    },
    responses: {
      200: json(
        z.object({
          user: userSchema,
          transferred: z.number(),
          grantsRevoked: z.number(),
          credentialsRevoked: z.number(),
        }),
      ),
      ...commonErrors,
      409: conflictError,
    },
  }),
  async (c) =>
    c.json(
      await offboardUser({ ctx: c.get('ctx'), input: { ...c.req.valid('param'), ...c.req.valid('json') } }),
      200,
    ),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['users'],
    method: 'delete',
    path: '/v1/users/{id}/sessions',
    summary: 'Revoke every session and token of a user (admins); effective on their next request',
    request: { params: userParams },
    responses: { 200: json(z.object({ revoked: z.number() })), ...commonErrors },
  }),
  async (c) => c.json(await revokeUserSessions({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['users'],
    method: 'delete',
    path: '/v1/users/{id}/mfa',
    summary: 'Remove a user’s second factor and end their sessions (admins; they enrol again)',
    request: { params: userParams },
    responses: { 200: json(z.object({ removed: z.number(), revoked: z.number() })), ...commonErrors },
  }),
  async (c) => c.json(await resetUserMfa({ ctx: c.get('ctx'), input: c.req.valid('param') }), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['identity'],
    method: 'get',
    path: '/v1/identity/settings',
    summary: 'The tenant’s identity policy (admins)',
    responses: { 200: json(settingsSchema), ...commonErrors },
  }),
  async (c) => c.json(await getSettings({ ctx: c.get('ctx') }), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['identity'],
    method: 'put',
    path: '/v1/identity/settings',
    summary:
      'Change the identity policy: MFA requirement, SSO-only, trust in the IdP’s MFA, the SSO-unavailable flag (admins)',
    request: {
      body: body(
        z
          .object({
            mfaRequired: z.enum(['off', 'admins', 'all']).optional(),
            passwordLogin: z.enum(['allowed', 'sso_only']).optional(),
            trustIdpMfa: z.boolean().optional(),
            deprovisionTransferTo: idParam('usr', 'Receives the documents of users SCIM deprovisions')
              .nullable()
              .optional(),
            ssoUnavailableMinutes: z
              .number()
              .int()
              .min(0)
              .max(7 * 24 * 60)
              .optional()
              .describe(
                'Turn the "SSO unavailable" flag on for this long (break-glass accounts work), or off (0)',
              ),
          })
          .strict()
          .openapi('UpdateIdentitySettings'),
      ),
    },
    responses: {
      200: json(settingsSchema),
      ...commonErrors,
      ...conflictReasons({
        mfa_first:
          'requiring a second factor of a group you belong to, before you signed in with one (enrol and sign in with it first)',
        no_sso: 'password sign-in turned off (sso_only) while no SSO connection is enabled',
      }),
    },
  }),
  async (c) => c.json(await updateSettings({ ctx: c.get('ctx'), input: c.req.valid('json') }), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['identity'],
    method: 'get',
    path: '/v1/identity/alerts',
    summary: 'Alerts for the tenant’s admins (SSO bypasses), newest first (admins)',
    responses: { 200: json(z.object({ items: z.array(alertSchema) })), ...commonErrors },
  }),
  async (c) => c.json(await listAlerts({ ctx: c.get('ctx') }), 200),
);

lifecycleRoutes.openapi(
  createRoute({
    ...auth,
    tags: ['identity'],
    method: 'post',
    path: '/v1/identity/alerts/{id}/acknowledge',
    summary: 'Acknowledge an alert (admins)',
    request: { params: z.object({ id: idParam('alr', 'Alert id') }) },
    responses: { 204: { description: 'Acknowledged' }, ...commonErrors },
  }),
  async (c) => {
    await acknowledgeAlert({ ctx: c.get('ctx'), input: c.req.valid('param') });
    return c.body(null, 204);
  },
);
