import { timingSafeEqual } from 'node:crypto';
import { Forbidden, QuireError, Unauthenticated } from '@quire/shared/errors';
import { bearerToken } from '@quire/shared/openapi';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ACCESS_COOKIE, CSRF_HEADER, readCookie, SAFE_METHODS } from '../auth/browser.ts';
import type { AppEnv, RequestCtx } from '../context.ts';
import { apiChecks, enforceRateLimits } from '../rate-limit/plan-limits.ts';
import { clientInfo, trustsForwarding } from './client-info.ts';

function bearer(header: string | undefined): string {
  const token = bearerToken(header);
  if (!token) throw new Unauthenticated('a Bearer token is required');
  return token;
}

/**
 * A browser cannot set headers on a WebSocket: it offers the token as a subprotocol
 * (`quire.bearer.<token>`, beside `quire.v1`), never in the URL, whose logs would keep it.
 */
function protocolToken(header: string | undefined): string | undefined {
  const offered = (header ?? '').split(',').map((p) => p.trim());
  const token = offered
    .find((p) => p.startsWith(WEBSOCKET_BEARER_PREFIX))
    ?.slice(WEBSOCKET_BEARER_PREFIX.length);
  return token ? bearer(`Bearer ${token}`) : undefined;
}

/**
 * A WebSocket upgrade authenticated by the session cookie cannot carry the CSRF header: it must
 * come from a page of the same origin (browsers always send Origin on an upgrade), so another
 * site cannot open a socket with the user's cookie.
 */
function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin');
  const host = (trustsForwarding(c) && c.req.header('x-forwarded-host')) || c.req.header('host');
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export const WEBSOCKET_BEARER_PREFIX = 'quire.bearer.';

/**
 * Zero trust: the cell verifies every user token itself (the edge may be bypassed), checks
 * that a request the edge asserted was routed for the token's tenant, then that the tenant
 * is homed here (421 otherwise) and active (403 when suspended; read-only while offboarding).
 *
 * The token comes from `Authorization: Bearer`, or, without that header, from the browser
 * session cookie; a state change made with the cookie must carry the session's CSRF token.
 * What the credential is (login, API token, SCIM token) and whether it still works is read
 * from the database with the actor (auth/actor.ts), never from here.
 */
export const requireUser = (o: { websocketProtocol?: boolean } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const deps = c.get('deps');
    const header = c.req.header('authorization');
    const offered =
      header === undefined && o.websocketProtocol
        ? protocolToken(c.req.header('sec-websocket-protocol'))
        : undefined;
    const cookie = header === undefined && offered === undefined ? readCookie(c, ACCESS_COOKIE) : undefined;
    const claims = await deps.tokens.verifyAccessToken(offered ?? cookie ?? bearer(header));
    if (cookie !== undefined && o.websocketProtocol && !sameOrigin(c))
      throw new Forbidden('a live channel opened with the session cookie must come from this origin', {
        reason: 'origin',
      });
    if (cookie !== undefined && !o.websocketProtocol && !SAFE_METHODS.has(c.req.method)) {
      const csrf = c.req.header(CSRF_HEADER);
      if (!csrf || !deps.tokens.checkCsrf(claims.sid, csrf))
        throw new Forbidden('this change needs the session CSRF token in x-csrf-token', { reason: 'csrf' });
    }
    // Defence in depth: the tenant the edge routed by must be the token's own.
    const edge = c.get('edge');
    if (edge && edge.tenantId !== claims.tid) {
      throw new QuireError(
        'tenant_mismatch',
        'the token belongs to another tenant than the request was routed for',
      );
    }
    const tenant = claims.cell === deps.cellId ? await deps.tenants.get(claims.tid) : null;
    if (!tenant) throw new QuireError('misdirected_request', 'tenant is not served by this cell');
    if (tenant.status === 'offboarding') {
      if (!allowedWhileOffboarding(c.req.method, c.req.path))
        throw new QuireError('tenant_offboarding', 'the organisation is being closed: it is read-only', {
          reason: 'read_only',
        });
    } else if (tenant.status !== 'active') throw new QuireError('tenant_suspended', 'tenant is suspended');
    const ctx: RequestCtx = {
      deps,
      requestId: c.get('requestId'),
      client: clientInfo(c, trustsForwarding(c)),
      tenant,
      claims,
      request: { method: c.req.method, path: c.req.path },
      via: cookie === undefined ? 'header' : 'cookie',
    };
    c.set('ctx', ctx);
    await enforceRateLimits(c, ctx, apiChecks(ctx));
    await next();
  });

/**
 * An offboarding tenant is read-only through its grace period: reads, signing in and out, and
 * exporting its data (the point of the grace period) work; every other change is refused.
 */
export function allowedWhileOffboarding(method: string, path: string): boolean {
  return SAFE_METHODS.has(method) || path.startsWith('/v1/auth/') || path.startsWith('/v1/exports');
}

function requireCredential(expectedOf: (deps: AppEnv['Variables']['deps']) => string, what: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const expected = Buffer.from(expectedOf(c.get('deps')));
    const given = Buffer.from(bearer(c.req.header('authorization')));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new Unauthenticated(`invalid ${what} credential`);
    await next();
  });
}

/** The control plane's credential on the internal API: never a user token. */
export const requireInternal = () => requireCredential((deps) => deps.internalApiToken, 'internal');

/** The metrics scraper's credential (METRICS_TOKEN; the internal one when unset): never a user token. */
export const requireMetricsCredential = () => requireCredential((deps) => deps.metricsToken, 'metrics');
