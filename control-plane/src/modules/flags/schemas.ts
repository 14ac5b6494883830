import { z } from '@hono/zod-openapi';
import { flagValueSchema } from '@quire/shared/routing';

const FLAG_KEY = /^[a-z][a-z0-9_.-]{1,63}$/;
export const flagKeySchema = z.string().regex(FLAG_KEY).openapi({ example: 'search.semantic' });

export const definitionView = z
  .object({
    key: z.string(),
    description: z.string(),
    default: flagValueSchema,
    plans: z
      .record(z.string(), flagValueSchema)
      .describe('Per-plan values (a plan not listed uses the default)'),
  })
  .openapi('FlagDefinition');

/** A tenant's effective flags, each with where its value comes from. */
export const effectiveView = z
  .object({
    tenantId: z.string(),
    flags: z.array(
      z.object({ key: z.string(), value: flagValueSchema, source: z.enum(['default', 'plan', 'tenant']) }),
    ),
  })
  .openapi('TenantFlags');
