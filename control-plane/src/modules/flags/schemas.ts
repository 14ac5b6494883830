import { z } from '@hono/zod-openapi';
import { textSchema } from '@quire/shared/input/text';
import { PLAN_IDS } from '@quire/shared/plans';
import { flagValueSchema } from '@quire/shared/routing';

export const FLAG_KEY_PATTERN = '^[a-z][a-z0-9_.-]{1,63}$';
export const flagKeySchema = z
  .string()
  .regex(new RegExp(FLAG_KEY_PATTERN))
  .openapi({ example: 'search.semantic' });

/** A flag string as an operator writes it: no NUL (Postgres jsonb refuses it), at most 1,000 characters. */
const flagText = textSchema({ max: 1000 });

/** A flag value on the way in: a boolean, a number or a string. */
export const flagInputValue = z.union([z.boolean(), z.number(), flagText]);

/**
 * A flag definition on the way in: the per-plan values have the default's type. One variant
 * per type, so the document says so as the check does.
 */
export function flagDefinitionBody() {
  const variant = <T extends z.ZodType>(value: T) =>
    z
      .object({
        description: textSchema({ max: 500 }).optional(),
        default: value,
        // The generator leaves out what the check enforces: no key but a plan id.
        plans: z
          .partialRecord(z.enum(PLAN_IDS), value.nullable())
          .meta({ additionalProperties: false })
          .optional(),
      })
      .strict();
  return z.union([variant(z.boolean()), variant(z.number()), variant(flagText)]).openapi('PutFlag');
}

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
