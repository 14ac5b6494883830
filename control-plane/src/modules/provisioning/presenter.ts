import { z } from '@hono/zod-openapi';
import type { JobRow } from '../../db/schema/index.ts';

export const JOB_STEPS = ['recorded', 'placed', 'cell_provisioned', 'active', 'failed'] as const;

export const jobView = z
  .object({
    id: z.string(),
    step: z.enum(JOB_STEPS),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    history: z.array(z.object({ step: z.string(), at: z.string() })),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi('ProvisioningJob');

/** The saga's progress as ops see it; never the sealed admin. */
export function presentJob(j: JobRow): z.infer<typeof jobView> {
  return {
    id: j.id,
    step: j.step as (typeof JOB_STEPS)[number],
    attempts: j.attempts,
    lastError: j.lastError,
    history: j.history,
    nextAttemptAt: j.completedAt || j.step === 'failed' ? null : j.nextAttemptAt.toISOString(),
    createdAt: j.createdAt.toISOString(),
    completedAt: j.completedAt?.toISOString() ?? null,
  };
}
