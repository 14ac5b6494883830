import { constantTimeEqual } from '@quire/shared/constant-time';
import { QuireError } from '@quire/shared/errors';
import { requestId } from '@quire/shared/request-id';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { EdgeEnv, EdgeState } from './context.ts';
import { discover } from './discovery.ts';
import { type EdgeConfig, EdgeConfigError, edgeConfig } from './env.ts';
import { EdgeError, errorResponse } from './errors.ts';
import { errorName, log, pathTemplate } from './log.ts';
import { authenticate } from './middleware/auth.ts';
import { type RouteVariables, resolveTenant } from './middleware/tenant.ts';
import { forward, isUnforwardable, refuseUnforwardable } from './proxy.ts';
import { TokenBuckets } from './rate-limit.ts';
import { matchHost } from './routing/hosts.ts';
import { RouteTable } from './routing/route-table.ts';
import { webApp } from './web-app.ts';

let isolate: EdgeState | null = null;

/** One route table and one rate limiter per isolate, built from the first valid bindings. */
function stateFor(config: EdgeConfig): EdgeState {
  if (isolate) return isolate;
  isolate = {
    config,
    table: new RouteTable({
      controlPlaneUrl: config.CONTROL_PLANE_URL,
      edgeToken: config.EDGE_TOKEN,
      refreshMs: config.ROUTE_REFRESH_SECONDS * 1000,
      missRefreshMs: config.ROUTE_MISS_REFRESH_SECONDS * 1000,
      kv: config.kv,
      log,
    }),
    limiter: new TokenBuckets({ burst: config.RATE_LIMIT_BURST, perSecond: config.RATE_LIMIT_PER_SECOND }),
  };
  return isolate;
}

const IP = /^[0-9A-Fa-f:.]{2,45}$/;

/** One line per request: method, path template, status, tenant, cell, request id, duration. Nothing else. */
const accessLog = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    const started = Date.now();
    c.set('tenantId', null);
    c.set('cellId', null);
    await next();
    log.info('request', {
      method: c.req.method,
      path: pathTemplate(new URL(c.req.url).pathname),
      status: c.res.status,
      tenant: c.var.tenantId,
      cell: c.var.cellId,
      requestId: c.var.requestId,
      ms: Date.now() - started,
    });
  });

/** Bindings checked once per isolate; the platform's client address (never a client-set header). */
const isolateState = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    c.set('state', stateFor(edgeConfig(c.env)));
    const ip = c.req.header('cf-connecting-ip')?.trim();
    c.set('clientIp', ip && IP.test(ip) ? ip : null);
    await next();
  });

/** Which served hostname, and requests the edge never forwards. */
const guard = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    const url = new URL(c.req.url);
    const host = matchHost(url.hostname, c.var.state.config.hosts);
    if (!host) throw new EdgeError('misdirected_request', 'this hostname is not served here');
    c.set('host', host);
    // The cells' internal API is for the control plane on the private network, never via the edge.
    // c.req.path is decoded the way the cell decodes it, so `/%69nternal` is caught as well.
    const paths = [url.pathname.toLowerCase(), c.req.path.toLowerCase()];
    if (paths.some((p) => p === '/internal' || p.startsWith('/internal/'))) {
      throw new EdgeError('not_found', 'not found');
    }
    await next();
  });

/**
 * A method `fetch` cannot send (TRACE, TRACK, CONNECT) is refused before authentication, as the
 * cells refuse a method a path does not serve: 405 with the `Allow` of the path, which any cell
 * gives (the API is the cells', not a tenant's; during a rollout either version's answer will do
 * for a refusal). No tenant is needed, so the answer is the same with or without a token.
 */
const unforwardable = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    if (!isUnforwardable(c.req.method)) return next();
    const { config, table } = c.var.state;
    const cell = table.anyCell();
    if (!cell) throw new EdgeError('unavailable', 'no cell is available', 5);
    return refuseUnforwardable(c.req.raw, {
      cell,
      tenantId: null,
      requestId: c.var.requestId,
      clientIp: c.var.clientIp,
      assertionSecret: config.EDGE_ASSERTION_SECRET,
      timeoutMs: config.UPSTREAM_TIMEOUT_SECONDS * 1000,
    });
  });

/** The route table must be loaded (cold isolate: KV, then the control plane); refreshes run in the background. */
const routeTable = () =>
  createMiddleware<EdgeEnv>(async (c, next) => {
    const index = await c.var.state.table.current((p) => c.executionCtx.waitUntil(p));
    if (!index) throw new EdgeError('unavailable', 'routing is not available yet', 5);
    await next();
  });

export function createApp() {
  const app = new Hono<EdgeEnv & { Variables: RouteVariables }>();
  app.use('*', requestId());
  app.use('*', accessLog());
  app.use('*', isolateState());

  app.get('/healthz', (c) => c.json({ ok: true, edge: true }));
  /** Counters for benchmarks and ops (control-plane calls on the hot path must stay at zero). */
  app.get('/__edge/stats', (c) => {
    const auth = c.req.header('authorization') ?? '';
    if (!constantTimeEqual(auth, `Bearer ${c.var.state.config.EDGE_TOKEN}`)) {
      throw new EdgeError('not_found', 'not found');
    }
    const { table } = c.var.state;
    return c.json({ version: table.version, ageSeconds: table.ageSeconds, ...table.stats });
  });

  app.use('*', guard());
  /** Tenant discovery: answered here (the control plane maps verified domains), never forwarded. */
  app.post('/v1/auth/discover', discover);
  app.use('*', routeTable());
  app.use('*', unforwardable());
  app.use('*', webApp());
  app.use('*', authenticate());
  app.use('*', resolveTenant());
  app.all('*', async (c) => {
    const { config } = c.var.state;
    const { cell, tenant } = c.var.route;
    return forward(c.req.raw, {
      cell,
      tenantId: tenant.id,
      requestId: c.var.requestId,
      clientIp: c.var.clientIp,
      assertionSecret: config.EDGE_ASSERTION_SECRET,
      timeoutMs: config.UPSTREAM_TIMEOUT_SECONDS * 1000,
    });
  });

  app.onError((err, c) => {
    if (err instanceof QuireError) return errorResponse(err, c.var.requestId);
    // A bad binding names only keys and rules, never values: safe to log in full.
    const detail = err instanceof EdgeConfigError ? err.message : undefined;
    log.error('edge_error', { reason: errorName(err), detail, requestId: c.var.requestId });
    return errorResponse(new EdgeError('internal', 'internal error'), c.var.requestId);
  });
  app.notFound((c) => errorResponse(new EdgeError('not_found', 'not found'), c.var.requestId));
  return app;
}
