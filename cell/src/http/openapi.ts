import { z } from '@hono/zod-openapi';
import { QuireError } from '@quire/shared/errors';
import { errorResponse, openApiRouter } from '@quire/shared/openapi';
import type { AppEnv } from '../context.ts';

/** One Hono instance per resource file, all sharing the validation hook (see shared/openapi.ts). */
export const router = () => openApiRouter<AppEnv>();

export { errorSchema, json } from '@quire/shared/openapi';

const err = errorResponse;

/** The error responses every authenticated route can give. */
export const commonErrors = {
  400: err('Invalid input'),
  401: err('Missing, invalid or expired token'),
  403: err('Not allowed, or tenant suspended'),
  404: err('Not found, or not visible to the caller'),
  421: err('Tenant is not homed in this cell'),
  429: err('Rate limited'),
} as const;

/** A change refused because of the current state (last admin, already enrolled…). */
export const conflictError = err('Conflicts with the current state');

export const bearer = [{ bearerAuth: [] }];

export function idParam(prefix: string, description: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{25}$`), `must be a ${prefix}_ id`)
    .openapi({ description, example: `${prefix}_01hzy3k5m8q2w4e6r8t0y2u4i6` });
}

/** Opaque cursors: base64url JSON, validated on the way back in. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (!cursor) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new QuireError('validation_failed', 'request is invalid', [
      { path: 'cursor', message: 'invalid cursor' },
    ]);
  return parsed.data;
}
