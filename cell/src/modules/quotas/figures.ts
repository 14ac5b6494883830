import type { PlanId } from '@quire/shared/plans';
import type { TenantUsageFigures } from '@quire/shared/routing';
import type { Db } from '../../db/client.ts';
import type { QuotaGaugeRow } from '../../metrics/cell-metrics.ts';
import type { ConfigStore } from '../../tenant-context/config-store.ts';
import { effectiveLimits } from '../../tenant-context/directory.ts';
import { COUNTED, quotaLimit } from './usage.ts';

export type UsageFigures = TenantUsageFigures & { plan: PlanId };

/**
 * Every tenant's usage figures: numbers only, never content, read through the one SECURITY
 * DEFINER function made for it (migration 0011). For the heartbeat and the metrics scrape.
 */
export async function usageFigures(db: Db): Promise<UsageFigures[]> {
  const rows = await db.$client<
    { tenant_id: string; plan: string; storage_bytes: string; documents: string; users: string }[]
  >`select tenant_id, plan, storage_bytes, documents, users from tenant_usage_figures()`;
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    plan: r.plan as PlanId,
    storageBytes: Number(r.storage_bytes),
    documents: Number(r.documents),
    users: Number(r.users),
  }));
}

/** What the heartbeat carries: the figures without the plan (the control plane knows it). */
export function heartbeatUsage(figures: UsageFigures[]): TenantUsageFigures[] {
  return figures.map(({ plan: _plan, ...f }) => f);
}

/** The quota gauges of the metrics scrape: usage against each tenant's effective limits. */
export async function quotaGaugeRows(db: Db, config: ConfigStore): Promise<QuotaGaugeRow[]> {
  const rows: QuotaGaugeRow[] = [];
  for (const f of await usageFigures(db)) {
    const limits = effectiveLimits(f.plan, config.planLimits(f.plan), config.settings(f.tenantId).overrides);
    const used = { storage: f.storageBytes, documents: f.documents, users: f.users };
    for (const resource of COUNTED)
      rows.push({ tenant: f.tenantId, resource, used: used[resource], limit: quotaLimit(limits, resource) });
  }
  return rows;
}
