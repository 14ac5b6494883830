import { OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi';
import type { Env } from 'hono';

/**
 * What every OpenAPI router of the cell and the control plane shares: one Hono instance per
 * resource file with a validation hook that throws the zod failure (the app's single
 * `onError` maps it to `validation_failed`), the error envelope's schema, and response helpers.
 */
export function openApiRouter<E extends Env>() {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) throw result.error;
    },
  });
}

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
