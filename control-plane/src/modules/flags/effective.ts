import { inArray } from 'drizzle-orm';
import type { Conn } from '../../db/client.ts';
import { type FlagValue, flagDefinitions, planFlags, tenantFlags } from '../../db/schema/index.ts';

export type FlagSource = 'default' | 'plan' | 'tenant';
export interface EffectiveFlag {
  key: string;
  value: FlagValue;
  source: FlagSource;
}

/** Everything needed to resolve flags for many tenants with three queries. */
export async function loadFlagTables(conn: Conn, tenantIds: string[]) {
  const defs = await conn.select().from(flagDefinitions).orderBy(flagDefinitions.key);
  const byPlan = await conn.select().from(planFlags);
  const byTenant = tenantIds.length
    ? await conn.select().from(tenantFlags).where(inArray(tenantFlags.tenantId, tenantIds))
    : [];
  const key = (owner: string, flag: string) => `${owner}|${flag}`;
  return {
    defs,
    plan: new Map(byPlan.map((p) => [key(p.planId, p.flagKey), p.value])),
    tenant: new Map(byTenant.map((t) => [key(t.tenantId, t.flagKey), t.value])),
    key,
  };
}

export type FlagTables = Awaited<ReturnType<typeof loadFlagTables>>;

/** Effective flags: the default, then the plan's value, then the tenant's (last wins). */
export function resolveFlags(tables: FlagTables, tenant: { id: string; plan: string }): EffectiveFlag[] {
  return tables.defs.map((def) => {
    const tenantValue = tables.tenant.get(tables.key(tenant.id, def.key));
    if (tenantValue !== undefined) return { key: def.key, value: tenantValue, source: 'tenant' };
    const planValue = tables.plan.get(tables.key(tenant.plan, def.key));
    if (planValue !== undefined) return { key: def.key, value: planValue, source: 'plan' };
    return { key: def.key, value: def.defaultValue, source: 'default' };
  });
}

export async function effectiveFlags(conn: Conn, tenant: { id: string; plan: string }) {
  return resolveFlags(await loadFlagTables(conn, [tenant.id]), tenant);
}

export function flagRecord(flags: EffectiveFlag[]): Record<string, FlagValue> {
  return Object.fromEntries(flags.map((f) => [f.key, f.value]));
}
