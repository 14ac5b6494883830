import { QueueFull } from '@quire/shared/errors';
import type { Logger } from '@quire/shared/log';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Db } from '../../db/client.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';

/** One job as a producer states it: the tenant it belongs to, what to do, and where to look. */
export interface JobSpec {
  tenantId: string;
  /** The handler's name (`bulk-run`, `webhook-deliver`, `email-digest`, …). */
  kind: string;
  /** Jobs with the same tenant, kind and key coalesce: the second enqueue is a no-op. */
  key?: string;
  /** Ids only (never tenant content): Postgres holds the work itself. */
  payload?: Record<string, string | number | boolean | null>;
  /** Not before this many milliseconds from now. */
  delayMs?: number;
}

export interface JobQueueOptions {
  /** The cell's queue name (its QUEUE_PREFIX): schedulers take jobs of their queue only. */
  queue: string;
  /** The Redis channel that wakes the schedulers (a lost ring costs one poll interval). */
  ringChannel: string;
  /** The tenant's queue depth limit (queued and running jobs). */
  depthLimit: (tenantId: string) => Promise<number>;
  log: Logger;
}

/** The channel the scheduler listens on; one per cell (its queue prefix). */
export function ringChannelOf(prefix: string): string {
  return `${prefix}:jobs:ring`;
}

/**
 * The producer side of the cell's one scheduler (README.md here): a job is a row in `jobs`,
 * written in the caller's tenant transaction when there is one, so the change and its job
 * commit together. Every tenant has a depth limit; a full queue answers `QueueFull` (429
 * `queue_full`, with the limit, the depth and a retry hint) and the caller's transaction rolls
 * back, leaving nothing half-written.
 */
export class JobQueue {
  private readonly db: Db;
  private readonly redis: Redis;
  private readonly o: JobQueueOptions;

  constructor(db: Db, redis: Redis, options: JobQueueOptions) {
    this.db = db;
    this.redis = redis;
    this.o = options;
  }

  /** Enqueues in the caller's tenant transaction; ring() after its commit. */
  async enqueueInTx(tx: Tx, spec: JobSpec): Promise<boolean> {
    return (await this.insert(tx, spec.tenantId, [spec])) > 0;
  }

  /** Enqueues in a transaction of its own and rings the schedulers. */
  async enqueue(spec: JobSpec): Promise<boolean> {
    const added = await withTenantTx(this.db, spec.tenantId, (tx) => this.insert(tx, spec.tenantId, [spec]));
    this.ring();
    return added > 0;
  }

  /** Many jobs of one tenant in one transaction (all or none: the depth limit holds for the batch). */
  async enqueueMany(tenantId: string, specs: Omit<JobSpec, 'tenantId'>[]): Promise<number> {
    const added = await withTenantTx(this.db, tenantId, (tx) =>
      this.insert(
        tx,
        tenantId,
        specs.map((s) => ({ ...s, tenantId })),
      ),
    );
    this.ring();
    return added;
  }

  /** Enqueues without waiting (side effects after a commit: mail, webhooks); a failure is logged, the sweeps recover. */
  fireAndForget(spec: JobSpec): void {
    this.enqueue(spec).catch((err: unknown) =>
      this.o.log.warn('job not queued (the sweep will find its work)', {
        tenantId: spec.tenantId,
        kind: spec.kind,
        err: String(err),
      }),
    );
  }

  /** Wakes the schedulers; only a hint, so a lost ring is harmless. */
  ring(): void {
    this.redis.publish(this.o.ringChannel, '1').catch(() => {});
  }

  /** The tenant's jobs queued or running now. */
  async depth(tenantId: string): Promise<number> {
    return withTenantTx(this.db, tenantId, async (tx) => {
      const [row] = await tx.execute<{ n: number }>(
        sql`select count(*)::int as n from jobs where tenant_id = ${tenantId} and queue = ${this.o.queue}`,
      );
      return row?.n ?? 0;
    });
  }

  private async insert(tx: Tx, tenantId: string, specs: JobSpec[]): Promise<number> {
    if (specs.length === 0) return 0;
    if (specs.some((s) => s.tenantId !== tenantId)) throw new Error('a job batch names one tenant');
    const limit = await this.o.depthLimit(tenantId);
    // One enqueuer of this tenant at a time until commit: the limit is exact under concurrency.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`jobs/${this.o.queue}/${tenantId}`}, 0))`,
    );
    const [held] = await tx.execute<{ n: number }>(sql`
      select count(*)::int as n from (select 1 from jobs where tenant_id = ${tenantId} and queue = ${this.o.queue} limit ${limit + 1}) s`);
    const used = held?.n ?? 0;
    if (used + specs.length > limit) {
      throw new QueueFull(`the tenant's background queue is full (${limit} jobs)`, {
        limit,
        used,
        retryAfter: 30,
      });
    }
    const rows = await tx.execute<{ id: string }>(sql`
      insert into jobs (tenant_id, queue, kind, key, payload, run_at)
      select ${tenantId}, ${this.o.queue}, j.kind, j.key, j.payload, now() + make_interval(secs => j.delay)
      from jsonb_to_recordset(${JSON.stringify(
        specs.map((s) => ({
          kind: s.kind,
          key: s.key ?? null,
          payload: s.payload ?? {},
          delay: Math.max(0, s.delayMs ?? 0) / 1000,
        })),
      )}::jsonb) as j(kind text, key text, payload jsonb, delay float8)
      on conflict (tenant_id, queue, kind, key) where key is not null do nothing
      returning id::text as id`);
    return rows.length;
  }
}
