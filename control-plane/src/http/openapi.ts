import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';

/**
 * One Hono instance per resource file, all sharing this validation hook: a zod failure
 * is thrown and mapped by the app's single `onError` to `validation_failed`.
 */
export function router() {
  return new OpenAPIHono<AppEnv>({
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

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
});

/** The error responses every authenticated route can give. */
export const commonErrors = {
  400: err('Invalid input (validation_failed)'),
  401: err('Missing or invalid credential'),
  403: err('The credential may not do this'),
  404: err('Not found'),
  409: err('Conflicts with the current state'),
} as const;

export function json<T extends z.ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

export const opsSecurity = [{ opsToken: [] }];
export const cellSecurity = [{ cellCredential: [] }];
export const edgeSecurity = [{ edgeToken: [] }];

/** A bearer credential from the Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/);
  return match ? match[1]! : null;
}

/** ETags are the version in quotes; a client may send several, or a weak one. */
export function etagMatches(ifNoneMatch: string | undefined, version: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === `"${version}"`);
}
