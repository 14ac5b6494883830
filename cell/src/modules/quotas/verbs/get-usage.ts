import { Forbidden } from '@quire/shared/errors';
import type { PlanLimits } from '@quire/shared/plans';
import type { z } from 'zod';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';
import type { usageSchema } from '../schemas.ts';
import { COUNTED, quotaLimit, readUsage } from '../usage.ts';

const COUNTED_UNITS = { storage: 'bytes', documents: 'documents', users: 'users' } as const;

/** The plan's other limits, as the API names them: [plan key, unit, multiplier into the unit]. */
const RATES: [keyof PlanLimits, string, number][] = [
  ['apiCallsPerMinute', 'calls/minute', 1],
  ['searchCallsPerMinute', 'calls/minute', 1],
  ['concurrentUploads', 'uploads', 1],
  ['maxFileSizeMb', 'bytes', 1024 * 1024],
  ['searchTimeoutSeconds', 'seconds', 1],
  ['exportDocsPerHour', 'documents/hour', 1],
];

const finite = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);

/** `GET /v1/usage` (admins): usage against every quota of the tenant's plan, as counted now. */
export async function getUsage({ ctx }: { ctx: RequestCtx }): Promise<z.infer<typeof usageSchema>> {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      if (actor.role !== 'admin') throw new Forbidden('only tenant admins see the usage');
      const used = await readUsage(tx, ctx.tenant.id, { countIfMissing: true });
      const limits = ctx.tenant.limits;
      return {
        plan: ctx.tenant.plan,
        quotas: [
          ...COUNTED.map((resource) => ({
            resource,
            unit: COUNTED_UNITS[resource],
            limit: quotaLimit(limits, resource),
            used: used[resource],
          })),
          ...RATES.map(([key, unit, times]) => ({
            resource: key === 'maxFileSizeMb' ? 'maxFileSize' : key,
            unit,
            limit: finite(limits[key] as number | null) === null ? null : (limits[key] as number) * times,
            used: null,
          })),
        ],
      };
    },
    { readOnly: true },
  );
}
