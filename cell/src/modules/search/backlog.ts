import type { Db } from '../../db/client.ts';
import type { JobGaugeRow } from '../../metrics/cell-metrics.ts';

/**
 * The search outbox's backlog for the metrics scrape, from the doorbell table (tenant ids and
 * counters, no RLS): tenants with unindexed changes, and how long the longest-waiting one has
 * waited since its latest change (a lower bound of the oldest change's wait).
 */
export async function searchBacklog(db: Db): Promise<JobGaugeRow[]> {
  const [row] = await db.$client<{ depth: string; wait: string | null }[]>`
    select count(*) as depth, extract(epoch from now() - min(changed_at)) as wait
    from search_outbox_tenants where pending`;
  return [{ queue: 'search', depth: Number(row?.depth ?? 0), oldestWaitSeconds: Number(row?.wait ?? 0) }];
}
