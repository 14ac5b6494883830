import type { z } from '@hono/zod-openapi';
import {
  errorResponse,
  hasBody,
  hasInput,
  hasJsonBody,
  openApiRouter,
  type StackResponse,
  securedBy,
} from '@quire/shared/openapi';
import type { Context } from 'hono';
import type { AppEnv, OpsCtx } from '../context.ts';

/** One Hono instance per resource file, all sharing the validation hook (see shared/openapi.ts). */
export const router = () => openApiRouter<AppEnv>();

export { bearerToken, errorResponse, errorSchema, json } from '@quire/shared/openapi';

const err = errorResponse;

/** The error responses every authenticated route can give. */
export const commonErrors = {
  400: err('Invalid input (validation_failed)'),
  401: err('Missing or invalid credential'),
  403: err('The credential may not do this'),
  404: err('Not found'),
  409: err('Conflicts with the current state'),
} as const;

/** Any route with a body can answer 413 (the app's body limit). */
export const bodyErrors = { 413: err('The request body is too large (payload_too_large)') } as const;

/**
 * What the control plane's middleware stack answers on every route it applies to (app.ts):
 * validation (400), each credential's check (401), the ops role check (403), the body limit (413),
 * a database outage (503 with Retry-After).
 */
export const stackResponses: readonly StackResponse[] = [
  { status: 400, description: 'Invalid input (validation_failed)', appliesTo: hasInput },
  {
    status: 401,
    description: 'Missing or invalid credential',
    appliesTo: (route) => (route.security ?? []).length > 0,
  },
  { status: 403, description: 'The ops role may not do this', appliesTo: securedBy('opsToken') },
  { status: 413, description: 'The request body is too large (payload_too_large)', appliesTo: hasBody },
  {
    status: 415,
    description: 'The body is not application/json (unsupported_media_type)',
    appliesTo: hasJsonBody,
  },
  {
    status: 503,
    description: 'The control plane database is down (unavailable): retry after the Retry-After header',
    appliesTo: () => true,
  },
];

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** The context an admin verb runs with, from an authenticated admin request. */
export function opsCtx(c: Context<AppEnv>): OpsCtx {
  return { deps: c.get('deps'), actor: c.get('actor'), requestId: c.get('requestId') };
}

export const opsSecurity = [{ opsToken: [] }];
export const cellSecurity = [{ cellCredential: [] }];
export const edgeSecurity = [{ edgeToken: [] }];

/** ETags are the version in quotes; a client may send several, or a weak one. */
export function etagMatches(ifNoneMatch: string | undefined, version: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === `"${version}"`);
}
