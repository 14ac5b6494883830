import { timingSafeEqual } from 'node:crypto';
import { QuireError, Unauthenticated } from '@quire/shared/errors';
import { bearerToken } from '@quire/shared/openapi';
import { createMiddleware } from 'hono/factory';
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
function protocolToken(header: string | undefined): string {
  const offered = (header ?? '').split(',').map((p) => p.trim());
  const token = offered
    .find((p) => p.startsWith(WEBSOCKET_BEARER_PREFIX))
    ?.slice(WEBSOCKET_BEARER_PREFIX.length);
  return bearer(token ? `Bearer ${token}` : undefined);
}

export const WEBSOCKET_BEARER_PREFIX = 'quire.bearer.';

/**
 * Zero trust: the cell verifies every user token itself (the edge may be bypassed), checks
 * that a request the edge asserted was routed for the token's tenant, then that the tenant
 * is homed here (421 otherwise) and active (403 when suspended).
 */
export const requireUser = (o: { websocketProtocol?: boolean } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const deps = c.get('deps');
    const header = c.req.header('authorization');
    const token =
      header === undefined && o.websocketProtocol
        ? protocolToken(c.req.header('sec-websocket-protocol'))
        : bearer(header);
    const claims = await deps.tokens.verifyAccessToken(token);
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
    if (tenant.status !== 'active') throw new QuireError('tenant_suspended', 'tenant is suspended');
    const ctx: RequestCtx = {
      deps,
      requestId: c.get('requestId'),
      client: clientInfo(c, trustsForwarding(c)),
      tenant,
      claims,
    };
    c.set('ctx', ctx);
    await enforceRateLimits(c, ctx, apiChecks(ctx));
    await next();
  });

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
