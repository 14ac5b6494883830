import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PlanId, PlanLimits } from '@quire/shared/plans';
import { type CellConfig, cellConfigSchema } from '@quire/shared/routing';
import { replaceFileDurably } from '../adapters/durable-fs.ts';
import type { TenantSettings, TenantSettingsSource } from './directory.ts';

export type FlagValues = TenantSettings['flags'];

const NONE: TenantSettings = { overrides: {}, flags: {} };

/**
 * The last configuration the control plane gave this cell (plans overrides, flags),
 * kept on local disk so a restart while the control plane is unreachable still serves
 * with it. Without a control plane (standalone cell) every tenant has defaults.
 */
export class ConfigStore implements TenantSettingsSource {
  private readonly file: string | null;
  private current: CellConfig | null = null;
  private byTenant = new Map<string, TenantSettings>();
  private readonly listeners: ((c: CellConfig) => void)[] = [];

  constructor(file: string | null) {
    this.file = file;
    if (file && existsSync(file)) {
      const parsed = cellConfigSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.success) this.index(parsed.data);
    }
  }

  get version(): string | null {
    return this.current?.version ?? null;
  }

  get config(): CellConfig | null {
    return this.current;
  }

  settings(tenantId: string): TenantSettings {
    return this.byTenant.get(tenantId) ?? NONE;
  }

  planLimits(plan: PlanId): Record<string, number | null> | undefined {
    return this.current?.plans[plan];
  }

  onChange(listener: (c: CellConfig) => void): void {
    this.listeners.push(listener);
  }

  async replace(config: CellConfig): Promise<void> {
    if (this.file) {
      await mkdir(dirname(this.file), { recursive: true });
      await replaceFileDurably(this.file, Buffer.from(JSON.stringify(config)));
    }
    this.index(config);
    for (const listener of this.listeners) listener(config);
  }

  private index(config: CellConfig): void {
    this.current = config;
    this.byTenant = new Map(
      config.tenants.map((t) => [
        t.id,
        { overrides: t.overrides as Partial<PlanLimits>, flags: t.flags } satisfies TenantSettings,
      ]),
    );
  }
}
