import { errorFields } from '@quire/shared/error-log';
import { and, asc, isNull, lte, ne } from 'drizzle-orm';
import type { CpDeps } from '../../context.ts';
import { provisioningJobs } from '../../db/schema/index.ts';
import { advance, withJobLock } from './saga.ts';

/**
 * Resumes unfinished provisioning jobs: every due one (`due`), or every one at all (on boot:
 * whatever this process was doing when it died is no one's anymore; a job another process
 * is running is skipped thanks to its lock). Returns how many it advanced.
 */
export async function resumePending(deps: CpDeps, mode: 'due' | 'all'): Promise<number> {
  const rows = await deps.db
    .select({ tenantId: provisioningJobs.tenantId })
    .from(provisioningJobs)
    .where(
      and(
        isNull(provisioningJobs.completedAt),
        ne(provisioningJobs.step, 'failed'),
        mode === 'due' ? lte(provisioningJobs.nextAttemptAt, deps.clock.now()) : undefined,
      ),
    )
    .orderBy(asc(provisioningJobs.nextAttemptAt))
    .limit(50);
  let advanced = 0;
  for (const { tenantId } of rows) {
    try {
      const result = await withJobLock(deps, tenantId, false, () => advance(deps, tenantId));
      if (result !== 'busy') advanced++;
    } catch (err) {
      deps.log.error('provisioning resume failed', { tenantId, ...errorFields(err) });
    }
  }
  return advanced;
}
