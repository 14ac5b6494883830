import { randomUUID } from 'node:crypto';
import type { PlanLimits } from '@quire/shared/plans';
import type { TestCell } from '../../../test/support/harness.ts';

/**
 * Per-tenant plan overrides as the control plane's config delivers them: the cell's config
 * store is replaced (no control plane needed), which drops the tenant directory's cache.
 */
export class Overrides {
  private readonly byTenant = new Map<string, Partial<Record<keyof PlanLimits, number | null>>>();
  private readonly cell: TestCell;
  constructor(cell: TestCell) {
    this.cell = cell;
  }

  async set(tenantId: string, overrides: Partial<Record<keyof PlanLimits, number | null>>): Promise<void> {
    this.byTenant.set(tenantId, { ...this.byTenant.get(tenantId), ...overrides });
    await this.cell.deps.config.replace({
      version: randomUUID(),
      plans: { standard: {}, professional: {}, enterprise: {} },
      tenants: [...this.byTenant].map(([id, o]) => ({
        id,
        status: 'active' as const,
        plan: 'standard' as const,
        overrides: o,
        flags: {},
      })),
    });
  }
}

/** How many blobs the tenant has under its document prefix. */
export async function countBlobs(cell: TestCell, tenantId: string): Promise<number> {
  let n = 0;
  for await (const _ of cell.deps.blobs.list(`tenants/${tenantId}/documents/`)) n++;
  return n;
}
