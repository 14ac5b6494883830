import type { IsolationTier, PlanLimits } from '@quire/shared/plans';
import { PLANS, type PlanId } from '@quire/shared/plans';
import { eq } from 'drizzle-orm';
import type { TenantRecord } from '../context.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema/index.ts';
import { withTenantTx } from '../db/tenant-tx.ts';

const TTL_MS = 5_000;

/** A tenant's plan overrides and effective flags, as the control plane's last config gave them. */
export type TenantSettings = {
  overrides: Partial<PlanLimits>;
  flags: Record<string, boolean | number | string>;
};

/**
 * Where the directory reads per-tenant settings: the control plane's config store (defined
 * here, not imported from there, so the control-plane link depends on tenancy and not back).
 */
export interface TenantSettingsSource {
  settings(tenantId: string): TenantSettings;
}

/**
 * Which tenants are homed in this cell, with a short in-process cache: a suspension
 * takes effect within five seconds without a database read on every request.
 */
export class TenantDirectory {
  private readonly db: Db;
  private readonly config: TenantSettingsSource | null;
  private readonly cache = new Map<string, { at: number; record: TenantRecord | null }>();
  constructor(db: Db, config: TenantSettingsSource | null = null) {
    this.db = db;
    this.config = config;
  }

  async get(tenantId: string): Promise<TenantRecord | null> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.record;
    const [row] = await withTenantTx(this.db, tenantId, (tx) =>
      tx.select().from(tenants).where(eq(tenants.id, tenantId)),
    );
    const record = row ? toRecord(row, this.config?.settings(tenantId)) : null;
    this.cache.set(tenantId, { at: Date.now(), record });
    return record;
  }

  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}

export function toRecord(row: typeof tenants.$inferSelect, settings?: TenantSettings): TenantRecord {
  const plan = row.plan as PlanId;
  return {
    id: row.id,
    slug: row.slug,
    status: row.status as TenantRecord['status'],
    plan,
    tier: row.tier as IsolationTier,
    keyRef: row.keyRef,
    limits: { ...PLANS[plan], ...settings?.overrides },
    flags: settings?.flags ?? {},
  };
}
