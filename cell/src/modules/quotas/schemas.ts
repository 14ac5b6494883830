import { z } from '@hono/zod-openapi';
import { PLAN_IDS } from '@quire/shared/plans';

export const quotaLineSchema = z
  .object({
    resource: z
      .string()
      .openapi({ description: 'storage, documents, users, or the plan key of a limit (apiCallsPerMinute…)' }),
    unit: z.string().openapi({ description: 'bytes, documents, users, calls/minute, uploads, seconds…' }),
    limit: z
      .number()
      .nullable()
      .openapi({ description: 'The effective limit (plan, then overrides); null = unlimited' }),
    used: z.number().nullable().openapi({
      description: 'Usage now (counted with every change); null for limits that are not a running total',
    }),
  })
  .openapi('QuotaLine');

export const usageSchema = z
  .object({
    plan: z.enum(PLAN_IDS),
    quotas: z.array(quotaLineSchema).openapi({ description: 'Every quota and limit of the plan' }),
  })
  .openapi('Usage');
