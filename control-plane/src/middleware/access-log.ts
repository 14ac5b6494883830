import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

/**
 * One JSON line per request: method, path, status, duration, request id, actor id. Never a
 * body, a query string or a header value: bodies carry the first admin at provisioning.
 */
export const accessLog = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const start = performance.now();
    await next();
    const deps = c.get('deps');
    if (c.req.path === '/healthz') return;
    deps.log.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path.slice(0, 200),
      status: c.res.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      actor: c.get('actor')?.id,
    });
  });
