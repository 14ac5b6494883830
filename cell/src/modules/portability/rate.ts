import { LimitExceeded } from '@quire/shared/errors';
import type { CellDeps } from '../../context.ts';

const HOUR_MS = 3_600_000;

/**
 * The plan's export rate (`exportDocsPerHour`): documents a tenant may export per clock hour,
 * counted in the cell's Redis (one counter per tenant and hour, gone after two hours). An
 * export that would pass the limit is refused whole (429 limit_exceeded with the time to wait);
 * the offboarding export, the customer's handover, is not counted.
 */
export async function spendExportBudget(
  deps: CellDeps,
  tenantId: string,
  documents: number,
  perHour: number,
): Promise<void> {
  const hour = Math.floor(Date.now() / HOUR_MS);
  const key = `quire:${deps.cellId}:export-rate:${tenantId}:${hour}`;
  const spend = Math.max(1, documents);
  const total = await deps.redis.incrby(key, spend);
  if (total === spend) await deps.redis.expire(key, 7200);
  if (total > perHour) {
    await deps.redis.decrby(key, spend);
    throw new LimitExceeded(`the plan allows exporting ${perHour} documents per hour`, {
      limit: 'exportDocsPerHour',
      allowed: perHour,
      used: total - spend,
      requested: spend,
      retryAfterSeconds: Math.ceil(((hour + 1) * HOUR_MS - Date.now()) / 1000),
    });
  }
}
