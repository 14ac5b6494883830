import { createRoute, z } from '@hono/zod-openapi';
import { BadRequest, QuireError } from '@quire/shared/errors';
import { tenantIdSchema } from '@quire/shared/input/ids';
import { emailSchema, textSchema } from '@quire/shared/input/text';
import type { Context } from 'hono';
import { clearMfaCookie, readCookie, SSO_COOKIE, setMfaCookie, setSsoCookie } from '../../auth/browser.ts';
import type { AppEnv } from '../../context.ts';
import { commonErrors, errorResponse, idParam, json, router } from '../../http/openapi.ts';
import { requestMeta, trustsForwarding } from '../../middleware/client-info.ts';
import { namedTenant } from '../../middleware/named-tenant.ts';
import { CHALLENGE_TTL_SECONDS } from '../identity/mfa/challenges.ts';
import { loginResultSchema, presentLogin, presentSession } from '../identity/present.ts';
import type { LoginOutcome } from '../identity/verbs/login.ts';
import { FLOW_TTL_SECONDS } from './flow.ts';
import { breakGlassLogin } from './verbs/break-glass.ts';
import { signInOptions } from './verbs/options.ts';
import { completeOidc, completeSaml, spMetadata, startSso } from './verbs/sign-in.ts';

/**
 * Single sign-on, on the tenant's hostname (the edge names the tenant from the subdomain; a
 * cell reached directly takes `tenantId`): start → the IdP → callback (OIDC) or ACS (SAML) →
 * a browser session (cookies), or the second-factor challenge cookie and the app's MFA page.
 * URLs carry only opaque ids and one-time tokens (connection id, state, code, RelayState).
 */
const tags = ['sso'];
const connectionParams = z.object({ id: idParam('sso', 'SSO connection id') });
const tenantQuery = tenantIdSchema.optional().meta({
  description:
    "Only when the cell is reached directly; through the edge the hostname names the tenant (401 with neither; 403 tenant_mismatch when it names another tenant than the hostname's)",
});
const redirectResponse = (description: string) => ({
  description,
  headers: z.object({ location: z.string() }),
});
/** Where the app asks for the second factor after an SSO redirect (the challenge is in a cookie). */
export const MFA_PAGE = '/login/mfa';

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;

/** The origin the browser used (the edge's forwarded host and scheme when it asserted the request). */
export function publicOrigin(c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  const forwarded = trustsForwarding(c);
  const host = (forwarded ? c.req.header('x-forwarded-host') : undefined) ?? c.req.header('host') ?? url.host;
  const proto = (forwarded ? c.req.header('x-forwarded-proto') : undefined) ?? url.protocol.replace(':', '');
  if (!HOST.test(host) || !['http', 'https'].includes(proto)) throw new BadRequest('unusable host');
  return `${proto}://${host}`;
}

/** A script asking for JSON (`Accept: application/json` first), not a browser navigating. */
const wantsJson = (accept: string | undefined) => /^\s*application\/json\b/i.test(accept ?? '');

/** The end of an SSO round trip: a session (cookies) or the MFA challenge cookie, then a redirect into the app. */
function land(c: Context<AppEnv>, outcome: LoginOutcome, returnTo: string) {
  if (outcome.type === 'mfa') {
    setMfaCookie(c, outcome.challenge, CHALLENGE_TTL_SECONDS);
    // Where the person was going, for after the code: after `#` (never sent to a server).
    const hash = returnTo === '/' ? '' : `#${new URLSearchParams({ returnTo })}`;
    return c.body(null, 303, { location: `${MFA_PAGE}${hash}` });
  }
  clearMfaCookie(c);
  presentSession(c, outcome.session);
  return c.body(null, 303, { location: returnTo });
}

/** Where a browser goes back to when signing in through the IdP failed. */
export const SIGN_IN_PAGE = '/sign-in';

const navigates = (c: Context<AppEnv>) =>
  c.req.header('sec-fetch-mode') === 'navigate' || (c.req.header('accept') ?? '').includes('text/html');

/**
 * The landing of a browser coming back from the IdP. When it fails for a reason the caller can
 * act on (an expired or replayed flow, the IdP's own error, a refused assertion, SSO unavailable),
 * a browser's navigation goes back to the sign-in page with the error's code (and reason) after
 * `#`, which browsers never send, instead of a JSON error page; API clients keep the JSON error.
 */
async function landOrSignIn(
  c: Context<AppEnv>,
  complete: () => Promise<{ outcome: LoginOutcome; returnTo: string }>,
) {
  try {
    const { outcome, returnTo } = await complete();
    return land(c, outcome, returnTo);
  } catch (err) {
    if (!(err instanceof QuireError) || !navigates(c)) throw err;
    const reason = (err.details as { reason?: unknown } | undefined)?.reason;
    c.get('deps').log.info('sso landing refused', { code: err.code, reason: String(reason ?? '') });
    const hash = new URLSearchParams({
      sso_error: err.code,
      ...(typeof reason === 'string' ? { reason } : {}),
    });
    c.header('cache-control', 'no-store');
    return c.body(null, 303, { location: `${SIGN_IN_PAGE}#${hash}` });
  }
}

export const ssoRoutes = router();

ssoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/options',
    summary: 'How people sign in to this organisation: its identity providers, passwords, SSO outage',
    description:
      'For the sign-in page, before anyone is known. `ssoUnavailable` is what the cell already knows (the admin flag, an IdP that failed in the last 15 minutes); break-glass sign-in checks the IdPs itself.',
    tags,
    request: { query: z.object({ tenantId: tenantQuery }) },
    responses: {
      200: json(
        z
          .object({
            passwordLogin: z.enum(['allowed', 'sso_only']),
            sso: z.array(
              z.object({
                id: z.string().describe('Start with GET /v1/auth/sso/{id}/start'),
                name: z.string(),
                protocol: z.enum(['oidc', 'saml']),
              }),
            ),
            ssoUnavailable: z.boolean(),
          })
          .openapi('SignInOptions'),
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await signInOptions(c.get('deps'), namedTenant(c, c.req.valid('query').tenantId)), 200);
  },
);

ssoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/sso/{id}/start',
    summary: 'Start single sign-on: redirects to the tenant’s identity provider',
    tags,
    request: {
      params: connectionParams,
      query: z.object({
        tenantId: tenantQuery,
        returnTo: z
          .string()
          .regex(/^\/(?![/\\])[A-Za-z0-9/_.-]{0,200}$/)
          .optional()
          .openapi({ description: 'A path of the app to land on afterwards (default /)' }),
      }),
    },
    responses: {
      200: json(
        z.object({ location: z.string().describe('The identity provider: send the browser there') }),
        'With `Accept: application/json` (a page that starts by script, to show errors itself): where to go; the binding cookie is set as with the redirect',
      ),
      302: redirectResponse('To the identity provider'),
      ...commonErrors,
      503: errorResponse('The identity provider does not answer'),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { location, binding } = await startSso(
      c.get('deps'),
      {
        tenantId: namedTenant(c, q.tenantId),
        connectionId: c.req.valid('param').id,
        origin: publicOrigin(c),
        returnTo: q.returnTo ?? '/',
      },
      requestMeta(c),
    );
    setSsoCookie(c, binding, FLOW_TTL_SECONDS);
    c.header('cache-control', 'no-store');
    c.header('vary', 'accept');
    if (wantsJson(c.req.header('accept'))) return c.json({ location }, 200);
    return c.body(null, 302, { location });
  },
);

ssoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/sso/{id}/callback',
    summary: 'OpenID Connect redirect back from the identity provider',
    tags,
    request: {
      params: connectionParams,
      query: z
        .object({
          code: z.string().max(2048).optional(),
          state: z.string().max(200).optional(),
          iss: z.string().max(500).optional(),
          error: z.string().max(200).optional(),
          error_description: z.string().max(1000).optional(),
          session_state: z.string().max(500).optional(),
        })
        .passthrough(),
    },
    responses: {
      303: redirectResponse(
        'Into the app (session cookies set), or to its MFA page; a browser whose landing is refused goes back to `/sign-in#sso_error=<code>[&reason=<reason>]` (API clients get the JSON error)',
      ),
      ...commonErrors,
      503: errorResponse('The identity provider does not answer'),
    },
  }),
  async (c) =>
    landOrSignIn(c, () =>
      completeOidc(
        c.get('deps'),
        {
          connectionId: c.req.valid('param').id,
          edgeTenantId: c.get('edge')?.tenantId ?? null,
          query: new URL(c.req.url).searchParams,
          binding: readCookie(c, SSO_COOKIE),
        },
        requestMeta(c),
      ),
    ),
);

ssoRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/sso/{id}/acs',
    summary: 'SAML assertion consumer service (HTTP-POST binding)',
    tags,
    request: {
      params: connectionParams,
      body: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({
              SAMLResponse: z.string().min(1).max(500_000),
              RelayState: z.string().max(200).optional(),
            }),
          },
        },
      },
    },
    responses: {
      303: redirectResponse(
        'Into the app (session cookies set), or to its MFA page; a browser whose landing is refused goes back to `/sign-in#sso_error=<code>[&reason=<reason>]` (API clients get the JSON error)',
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const form = c.req.valid('form');
    return landOrSignIn(c, () =>
      completeSaml(
        c.get('deps'),
        {
          connectionId: c.req.valid('param').id,
          edgeTenantId: c.get('edge')?.tenantId ?? null,
          samlResponse: form.SAMLResponse,
          relayState: form.RelayState,
          binding: readCookie(c, SSO_COOKIE),
        },
        requestMeta(c),
      ),
    );
  },
);

ssoRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/sso/{id}/metadata',
    summary: 'SAML service-provider metadata for the tenant’s IdP administrator',
    tags,
    request: { params: connectionParams, query: z.object({ tenantId: tenantQuery }) },
    responses: {
      200: {
        description: 'SP metadata',
        content: { 'application/samlmetadata+xml': { schema: z.string() } },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const xml = await spMetadata(c.get('deps'), {
      tenantId: namedTenant(c, c.req.valid('query').tenantId),
      connectionId: c.req.valid('param').id,
      origin: publicOrigin(c),
    });
    return c.body(xml, 200, { 'content-type': 'application/samlmetadata+xml' });
  },
);

ssoRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/break-glass',
    summary:
      'Break-glass sign-in (password + second factor), only while SSO is unavailable; audited, admins alerted',
    tags,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z
              .object({
                tenantId: tenantIdSchema.optional(),
                email: emailSchema,
                password: textSchema({ min: 1, max: 200 }),
                session: z.enum(['token', 'cookie']).default('token'),
              })
              .strict()
              .openapi('BreakGlassLogin'),
          },
        },
      },
    },
    responses: { 200: json(loginResultSchema), ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const outcome = await breakGlassLogin(
      c.get('deps'),
      {
        tenantId: namedTenant(c, body.tenantId),
        email: body.email,
        password: body.password,
        kind: body.session === 'cookie' ? 'cookie' : 'bearer',
      },
      requestMeta(c),
    );
    return c.json(presentLogin(c, outcome), 200);
  },
);
