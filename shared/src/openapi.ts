import { OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi';
import type { Env, MiddlewareHandler } from 'hono';
import { QuireError } from './errors.ts';

/**
 * What every OpenAPI router of the cell and the control plane shares: one Hono instance per
 * resource file with a validation hook that throws the zod failure (the app's single
 * `onError` maps it to `validation_failed`), the error envelope's schema, and response helpers.
 */
export function openApiRouter<E extends Env>() {
  const router = new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) throw result.error;
    },
  });
  const register = router.openapi;
  router.openapi = ((route, handler, hook) => {
    const own = route.middleware ? [route.middleware].flat() : [];
    const gate = route.request?.body?.required && hasJsonBody(route) ? [jsonBodyRequired] : [];
    return register({ ...route, middleware: [...own, ...gate] }, handler, hook);
  }) as typeof router.openapi;
  return router;
}

/**
 * Hono's JSON validator reads a request without a JSON Content-Type as `{}`, so a route whose
 * body is required but whose fields are all optional would take a request with no body at all.
 * Every route with a required JSON body gets this after its own middleware (authentication
 * first): no Content-Type is a 400 without a body, a 415 with one.
 */
const jsonBodyRequired: MiddlewareHandler = async (c, next) => {
  if (c.req.header('content-type') === undefined) {
    const length = c.req.header('content-length');
    if ((length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined)
      throw new QuireError('unsupported_media_type', 'send the body as application/json');
    throw new QuireError('validation_failed', 'request is invalid', [
      { path: '', message: 'a JSON body is required' },
    ]);
  }
  await next();
};

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string(),
      requestId: z.string().optional(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** An error response in the shared envelope, for a route's `responses`. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
});

/**
 * A response the middleware stack gives rather than the route (the body limit's 413, the
 * authentication middleware's 401): declared once per app, on every operation it applies to,
 * beside the middleware that produces it. A route's own declaration of the status wins.
 */
export interface StackResponse {
  status: number;
  description: string;
  appliesTo(route: RouteConfig): boolean;
}

/** Adds each stack response to the routes it applies to; call once every route is registered. */
export function declareStackResponses(
  registry: OpenAPIHono['openAPIRegistry'],
  responses: readonly StackResponse[],
): void {
  for (const def of registry.definitions) {
    if (def.type !== 'route') continue;
    const added: RouteConfig['responses'] = {};
    for (const r of responses)
      if (!def.route.responses[r.status] && r.appliesTo(def.route))
        added[r.status] = errorResponse(r.description);
    // Replaced, not mutated: a mounted router's route shares its responses object.
    def.route.responses = { ...def.route.responses, ...added };
  }
}

/** The route takes a request body. */
export const hasBody = (route: RouteConfig) => route.request?.body !== undefined;
/** The route's body is JSON: another Content-Type is refused (415) before validation. */
export const hasJsonBody = (route: RouteConfig) =>
  route.request?.body?.content?.['application/json'] !== undefined;

/** The route validates some input (path, query, headers or body): it can answer 400. */
export const hasInput = (route: RouteConfig) =>
  Boolean(route.request?.params || route.request?.query || route.request?.headers || route.request?.body);
/** The route requires this security scheme. */
export const securedBy = (scheme: string) => (route: RouteConfig) =>
  (route.security ?? []).some((s) => scheme in s);

export function json<T extends z.ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

/** A bearer credential from the Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/);
  return match ? match[1]! : null;
}
