import type { Logger } from '@quire/shared/log';
import type { Redis } from 'ioredis';
import { FairScheduler } from './fair.ts';

/**
 * Where background work comes from. Each source keeps its work in Postgres and knows how to
 * do one unit of it for one tenant (one job, one batch of outbox rows); the scheduler decides
 * whose turn it is.
 */
export interface JobSource {
  readonly name: string;
  /** Tenants with work ready now (ids only). */
  ready(): Promise<string[]>;
  /** Does one unit of the tenant's work; false when there was none (the tenant leaves the rotation). */
  runOne(tenantId: string): Promise<boolean>;
}

export interface SchedulerOptions {
  sources: JobSource[];
  /** Units of work running at once (lanes). */
  lanes: number;
  /** Look for ready work this often even without a ring (delayed jobs, lost rings, expired leases). */
  pollMs: number;
  /** The tenant's plan weight (jobWeight: 1/3/10). */
  weightOf: (tenantId: string) => Promise<number>;
  /** A Redis connection of its own to subscribe to rings on (none: poll only). */
  subscriber?: Redis;
  ringChannel?: string;
  log: Logger;
}

/**
 * The cell's one scheduler of background work (README.md here). Tenants with ready work
 * take turns by smooth weighted round-robin on their plan's jobWeight, one unit of work per
 * turn, so a tenant with a deep backlog gets its share and no more: another tenant's job
 * waits at most one round once it is seen (a ring, or one poll interval). Within a tenant
 * the sources take turns too. Lanes prefer tenants no other lane is serving.
 */
export class JobScheduler {
  private readonly o: SchedulerOptions;
  private readonly fair = new FairScheduler();
  /** Per tenant in the rotation: the sources that had work, and whose turn it is among them. */
  private readonly work = new Map<string, { sources: JobSource[]; next: number }>();
  /** Tenants some lane is serving (with how many lanes). */
  private readonly busy = new Set<string>();
  private readonly lanesOn = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private stopping = false;
  private lanes: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = 0;

  constructor(options: SchedulerOptions) {
    this.o = options;
  }

  start(): this {
    if (this.o.subscriber && this.o.ringChannel) {
      const sub = this.o.subscriber;
      sub.on('message', () => void this.refresh());
      sub.on('error', (err) => this.o.log.warn('scheduler ring subscription error', { err: String(err) }));
      sub
        .subscribe(this.o.ringChannel)
        .catch((err: unknown) =>
          this.o.log.warn('scheduler not subscribed to rings (polling only)', { err: String(err) }),
        );
    }
    this.timer = setInterval(() => void this.refresh(), this.o.pollMs);
    this.timer.unref();
    void this.refresh();
    this.lanes = Array.from({ length: this.o.lanes }, () => this.lane());
    return this;
  }

  /** Finishes the work in flight, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.wakeAll();
    await Promise.all(this.lanes);
    await this.refreshing?.catch(() => {});
    if (this.o.subscriber) this.o.subscriber.disconnect();
  }

  /** Resolves once no tenant has work ready and nothing runs (tests, benches). */
  async idle(): Promise<void> {
    for (;;) {
      await this.refresh();
      if (this.work.size === 0 && this.running === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Looks for ready work in every source; coalesces (a call during a look makes one more). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.look();
        } while (this.refreshAgain && !this.stopping);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async look(): Promise<void> {
    for (const source of this.o.sources) {
      let ids: string[];
      try {
        ids = await source.ready();
      } catch (err) {
        this.o.log.warn('scheduler could not list ready work', { source: source.name, err: String(err) });
        continue;
      }
      for (const id of ids) {
        let entry = this.work.get(id);
        if (!entry) {
          entry = { sources: [], next: 0 };
          this.work.set(id, entry);
          this.fair.set(id, await this.weight(id));
        }
        if (!entry.sources.includes(source)) entry.sources.push(source);
      }
    }
    if (this.work.size > 0) this.wakeAll();
  }

  private async weight(tenantId: string): Promise<number> {
    try {
      return await this.o.weightOf(tenantId);
    } catch {
      return 1;
    }
  }

  private async lane(): Promise<void> {
    while (!this.stopping) {
      const tenantId = this.fair.next(this.busy);
      const entry = tenantId === undefined ? undefined : this.work.get(tenantId);
      if (tenantId === undefined || !entry || entry.sources.length === 0) {
        if (tenantId !== undefined) this.drop(tenantId);
        await this.sleep();
        continue;
      }
      const source = entry.sources[entry.next++ % entry.sources.length]!;
      this.lanesOn.set(tenantId, (this.lanesOn.get(tenantId) ?? 0) + 1);
      this.busy.add(tenantId);
      this.running++;
      let had = false;
      try {
        had = await source.runOne(tenantId);
      } catch (err) {
        this.o.log.error('background work failed; it stays for a later attempt', {
          tenantId,
          source: source.name,
          err: String(err),
        });
      } finally {
        this.running--;
        const n = (this.lanesOn.get(tenantId) ?? 1) - 1;
        if (n > 0) this.lanesOn.set(tenantId, n);
        else {
          this.lanesOn.delete(tenantId);
          this.busy.delete(tenantId);
        }
      }
      if (!had) {
        entry.sources = entry.sources.filter((s) => s !== source);
        if (entry.sources.length === 0) this.drop(tenantId);
      }
    }
  }

  private drop(tenantId: string): void {
    this.work.delete(tenantId);
    this.fair.remove(tenantId);
  }

  private sleep(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
