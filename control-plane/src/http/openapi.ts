import type { z } from '@hono/zod-openapi';
import { errorResponse, openApiRouter } from '@quire/shared/openapi';
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
