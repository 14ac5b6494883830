import { OpenAPIHono, z } from '@hono/zod-openapi';
import { QuireError } from '@quire/shared/errors';
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
  400: err('Invalid input'),
  401: err('Missing, invalid or expired token'),
  403: err('Not allowed, or tenant suspended'),
  404: err('Not found, or not visible to the caller'),
  421: err('Tenant is not homed in this cell'),
  429: err('Rate limited'),
} as const;

export function json<T extends z.ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

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
