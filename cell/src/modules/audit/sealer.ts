import { errorFields } from '@quire/shared/error-log';
import type { Logger } from '@quire/shared/log';
import type postgres from 'postgres';

export interface SealerOptions {
  /** How often to look for committed entries (default 1 s). */
  intervalMs?: number;
  /** Entries chained per transaction (default 5,000). */
  batch?: number;
}

export interface SealStats {
  sealed: number;
  tenants: number;
}

/**
 * Chains committed audit entries in batches through `audit_seal()` (migration 0005), so no
 * request ever waits on a tenant's chain head. One batch is one transaction: a sealer killed
 * mid-batch leaves nothing half-chained, and several sealers (one per worker process) take
 * turns on the watermark's row lock. The chain therefore lags commits by about one interval,
 * plus however long the oldest open transaction in the cluster has been running.
 */
export class AuditSealer {
  private readonly sql: postgres.Sql;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly batch: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SealStats> | null = null;

  constructor(sql: postgres.Sql, log: Logger, options: SealerOptions = {}) {
    this.sql = sql;
    this.log = log;
    this.intervalMs = options.intervalMs ?? 1000;
    this.batch = options.batch ?? 5000;
  }

  /** Seals everything committed so far, batch after batch. */
  sealNow(): Promise<SealStats> {
    this.running ??= this.sealAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  start(): void {
    const tick = async () => {
      try {
        await this.sealNow();
      } catch (err) {
        this.log.error('audit sealing failed; retrying next interval', errorFields(err));
      }
      if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  private async sealAll(): Promise<SealStats> {
    const total: SealStats = { sealed: 0, tenants: 0 };
    for (;;) {
      const [r] = await this.sql<
        { sealed: number; tenants: number }[]
      >`select * from audit_seal(${this.batch})`;
      total.sealed += r?.sealed ?? 0;
      total.tenants += r?.tenants ?? 0;
      if ((r?.sealed ?? 0) < this.batch) return total;
    }
  }
}
