import { OpenAPIHono, z } from '@hono/zod-openapi';
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

export function json<T extends z.ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

/** A bearer credential from the Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/);
  return match ? match[1]! : null;
}
