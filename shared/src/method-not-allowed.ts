import type { Context, Next } from 'hono';
import { errorBody } from './errors.ts';

/**
 * RFC 9110 for a known path and a method it does not serve: 405 with `Allow` (TRACE
 * included), and OPTIONS answered 204 with the same `Allow`; an unknown path stays 404.
 * What a path serves is read from the app's own routes once they are all registered, so
 * the answer cannot drift from the routing. HEAD is allowed wherever GET is (Hono serves it).
 */
/** What the 405 handler reads of an app: its routes (Hono's `app.routes`). */
export interface Routed {
  routes: readonly { method: string; path: string }[];
}

export function methodNotAllowed(app: Routed, notFound: (c: Context) => Response) {
  let table: { pattern: RegExp; literals: number; methods: Set<string> }[] | null = null;
  const allowFor = (path: string): string | null => {
    table ??= routeTable(app);
    // The most specific paths that match answer (a literal segment beats a parameter:
    // `/scim/v2/Users/.search` is that path, not the user `.search`).
    const matches = table.filter((route) => route.pattern.test(path));
    const best = Math.max(...matches.map((m) => m.literals));
    const methods = new Set<string>();
    for (const route of matches) if (route.literals === best) for (const m of route.methods) methods.add(m);
    return methods.size === 0 ? null : allowHeader(methods);
  };
  return (c: Context) => {
    const allow = allowFor(c.req.path);
    return allow ? notAllowed(c, allow) : notFound(c);
  };
}

/** `Allow` for the methods a path serves: HEAD wherever GET is, and OPTIONS. */
function allowHeader(served: Iterable<string>): string {
  const methods = new Set(served);
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort().join(', ');
}

/** OPTIONS: 204 with `Allow`; any other method: 405 with `Allow` and the error envelope. */
function notAllowed(c: Context, allow: string): Response {
  if (c.req.method === 'OPTIONS') return c.body(null, 204, { Allow: allow });
  const requestId = c.get('requestId') as string | undefined;
  const message = `${c.req.method} is not allowed here; allowed: ${allow}`;
  return c.json(errorBody('method_not_allowed', message, requestId), 405, { Allow: allow });
}

/** Every (path pattern, methods) the app routes; middleware (`use`, method ALL) is not a route. */
function routeTable(app: Routed) {
  const byPath = new Map<string, Set<string>>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    const methods = byPath.get(r.path) ?? new Set<string>();
    methods.add(r.method.toUpperCase());
    byPath.set(r.path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    pattern: pathPattern(path),
    literals: path.split('/').filter((part) => part !== '' && !part.startsWith(':') && part !== '*').length,
    methods,
  }));
}

/** `/v1/documents/:id/versions` → `^/v1/documents/[^/]+/versions$` (`:name{regex}` keeps its regex). */
function pathPattern(path: string): RegExp {
  let out = '';
  for (const part of path.split('/').slice(1)) {
    const param = /^:[^{]+(?:\{(.+)\})?$/.exec(part);
    if (param) out += `/${param[1] ? `(?:${param[1]})` : '[^/]+'}`;
    else if (part === '*') out += '/.*';
    else out += `/${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  }
  return new RegExp(`^${out || '/'}$`);
}

/**
 * For a literal path that a parameter route also matches (`/scim/v2/Users/.search` beside
 * `/scim/v2/Users/{id}`): answers the methods it does not serve itself (405 with `Allow`,
 * OPTIONS 204), before the parameter route can take them. Register it (with `all`, which is
 * not a route to the table above) ahead of the parameter routes.
 */
export function onlyMethods(served: string[]) {
  const allow = allowHeader(served);
  return async (c: Context, next: Next) => {
    if (served.includes(c.req.method) || (c.req.method === 'HEAD' && served.includes('GET'))) return next();
    return notAllowed(c, allow);
  };
}
