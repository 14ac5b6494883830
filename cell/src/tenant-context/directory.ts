import type { IsolationTier, PlanLimits } from '@quire/shared/plans';
import { PLANS, type PlanId } from '@quire/shared/plans';
import { eq } from 'drizzle-orm';
import type { TenantRecord } from '../context.ts';
import type { Db } from '../db/client.ts';
import { tenants } from '../db/schema/index.ts';
import { withTenantTx } from '../db/tenant-tx.ts';
import type { TenantChanges } from './changes.ts';

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
  /** The plan's limits as the control plane's plans table holds them (null = unlimited), if known. */
  planLimits?(plan: PlanId): Record<string, number | null> | undefined;
  /** Called after every new config: cached records carry its settings, so they go. */
  onChange?(listener: () => void): void;
}

/**
 * Which tenants are homed in this cell, with an in-process cache, so a request reads no
 * tenant row. The invalidation rule: a change made through this cell (provision, suspend,
 * resume, plan) drops the record in every API process of the cell at once (TenantChanges,
 * Redis pub/sub); a new control-plane config drops every record; and whatever a lost
 * message misses is gone within TTL_MS.
 */
export class TenantDirectory {
  private readonly db: Db;
  private readonly config: TenantSettingsSource | null;
  private readonly changes: TenantChanges | null;
  private readonly cache = new Map<string, { at: number; record: TenantRecord | null }>();
  constructor(db: Db, config: TenantSettingsSource | null = null, changes: TenantChanges | null = null) {
    this.db = db;
    this.config = config;
    this.changes = changes;
    config?.onChange?.(() => this.cache.clear());
  }

  /** Starts following other processes' changes. */
  async listen(): Promise<void> {
    await this.changes?.listen((tenantId) => this.cache.delete(tenantId));
  }

  async get(tenantId: string): Promise<TenantRecord | null> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.record;
    const [row] = await withTenantTx(this.db, tenantId, (tx) =>
      tx.select().from(tenants).where(eq(tenants.id, tenantId)),
    );
    const record = row
      ? toRecord(row, this.config?.settings(tenantId), this.config?.planLimits?.(row.plan as PlanId))
      : null;
    this.cache.set(tenantId, { at: Date.now(), record });
    return record;
  }

  /** After a change to the tenant: here at once, in the cell's other processes through Redis. */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
    this.changes?.announce(tenantId);
  }
}

/**
 * The limits a tenant lives by: the design's plan table, then the control plane's plans table
 * (ops edit it), then the tenant's overrides. `null` there means unlimited: kept as null for
 * `users` (its type says so), Infinity for the others, so every comparison still holds.
 */
export function effectiveLimits(
  plan: PlanId,
  planLimits: Record<string, number | null> | undefined,
  overrides: Partial<Record<keyof PlanLimits, number | null>> | undefined,
): PlanLimits {
  const merged: Record<string, number | null> = { ...PLANS[plan], ...planLimits, ...overrides };
  const out = { ...PLANS[plan] } as Record<string, number | null>;
  for (const key of Object.keys(out)) {
    const value = merged[key];
    if (value === undefined) continue;
    out[key] = value === null && key !== 'users' ? Number.POSITIVE_INFINITY : value;
  }
  return out as unknown as PlanLimits;
}

export function toRecord(
  row: typeof tenants.$inferSelect,
  settings?: TenantSettings,
  planLimits?: Record<string, number | null>,
): TenantRecord {
  const plan = row.plan as PlanId;
  return {
    id: row.id,
    slug: row.slug,
    status: row.status as TenantRecord['status'],
    plan,
    tier: row.tier as IsolationTier,
    keyRef: row.keyRef,
    limits: effectiveLimits(plan, planLimits, settings?.overrides),
    flags: settings?.flags ?? {},
  };
}
