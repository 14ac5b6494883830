import type { Logger } from '@quire/shared/log';
import { sql } from 'drizzle-orm';
import { pgArray } from '../../auth/policy.ts';
import type { Db } from '../../db/client.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import type { JobSource } from './scheduler.ts';

/** A job as its handler receives it, leased to this worker. */
export interface ClaimedJob {
  tenantId: string;
  id: string;
  kind: string;
  key: string | null;
  payload: Record<string, unknown>;
  /** 1 on the first run. */
  attempts: number;
  /** When it was enqueued (for wait-time figures). */
  createdAt: Date;
  /**
   * Deletes the job in the handler's own tenant transaction, so its effect and its completion
   * commit together (exactly once); throws `LeaseLost` (rolling that transaction back) when
   * another worker has the job now.
   */
  complete(tx: Tx): Promise<void>;
}

export type JobHandler = (job: ClaimedJob) => Promise<void>;

/** This worker no longer holds the job's lease: its work must not commit. */
export class LeaseLost extends Error {
  constructor(jobId: string) {
    super(`lease on job ${jobId} lost`);
    this.name = 'LeaseLost';
  }
}

export interface TableSourceOptions {
  /** The cell's queue name (QUEUE_PREFIX), as the producers wrote it. */
  queue: string;
  /** This worker's id, written as the lease owner. */
  owner: string;
  /** A claimed job is invisible this long unless its worker renews it (renewed every third). */
  leaseMs: number;
  /** Runs that may fail before the job is dropped (its work stays in Postgres for the sweeps). */
  maxAttempts?: number;
  /** Only these tenants (tests). */
  tenantIds?: string[];
  log: Logger;
}

type Row = {
  id: string;
  kind: string;
  key: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
};

/**
 * The `jobs` table as a source for the scheduler: claims the tenant's oldest ready job by
 * setting its lease (run_at moves to the lease's expiry, so an expired lease simply makes
 * the job ready again), renews the lease while the handler runs, deletes the job when the
 * handler succeeds (fenced: only while the lease is still ours), and on failure puts it back
 * with exponential backoff. Only kinds it has handlers for are claimed.
 */
export class TableSource implements JobSource {
  readonly name = 'jobs';
  private readonly db: Db;
  private readonly handlers: Record<string, JobHandler>;
  private readonly kinds: string[];
  private readonly o: Required<Omit<TableSourceOptions, 'tenantIds'>> & { tenantIds?: string[] };

  constructor(db: Db, handlers: Record<string, JobHandler>, options: TableSourceOptions) {
    this.db = db;
    this.handlers = handlers;
    this.kinds = Object.keys(handlers);
    this.o = { maxAttempts: 8, ...options };
  }

  async ready(): Promise<string[]> {
    if (this.kinds.length === 0) return [];
    const rows = await this.db.$client<
      { id: string }[]
    >`select job_ready_tenants(${this.o.queue}, ${this.kinds}::text[]) as id`;
    const ids = rows.map((r) => r.id);
    return this.o.tenantIds ? ids.filter((id) => this.o.tenantIds!.includes(id)) : ids;
  }

  async runOne(tenantId: string): Promise<boolean> {
    const job = await this.claim(tenantId);
    if (!job) return false;
    const handler = this.handlers[job.kind]!;
    let completed = false;
    const complete = async (tx: Tx) => {
      const gone = await tx.execute<{ id: string }>(sql`
        delete from jobs where tenant_id = ${tenantId} and id = ${job.id}::bigint and lease_owner = ${this.o.owner}
        returning id::text as id`);
      if (gone.length !== 1) throw new LeaseLost(job.id);
      completed = true;
    };
    const renew = setInterval(() => void this.renew(tenantId, job.id), Math.max(50, this.o.leaseMs / 3));
    renew.unref();
    try {
      await handler({
        tenantId,
        id: job.id,
        kind: job.kind,
        key: job.key,
        payload: job.payload,
        attempts: job.attempts,
        createdAt: new Date(job.created_at),
        complete,
      });
      clearInterval(renew);
      if (!completed) await withTenantTx(this.db, tenantId, complete).catch(() => {});
    } catch (err) {
      clearInterval(renew);
      if (err instanceof LeaseLost) return true;
      await this.fail(tenantId, job, err);
    }
    return true;
  }

  private async claim(tenantId: string): Promise<Row | undefined> {
    const leaseSecs = this.o.leaseMs / 1000;
    const rows = await withTenantTx(this.db, tenantId, (tx) =>
      tx.execute<Row>(sql`
        update jobs set lease_owner = ${this.o.owner}, attempts = attempts + 1,
          run_at = now() + make_interval(secs => ${leaseSecs})
        where tenant_id = ${tenantId} and id = (
          select id from jobs where tenant_id = ${tenantId} and queue = ${this.o.queue} and run_at <= now()
            and kind = any(${pgArray(this.kinds)}::text[])
          order by run_at, id limit 1 for update skip locked)
        returning id::text as id, kind, key, payload, attempts, created_at`),
    );
    return rows[0];
  }

  private async renew(tenantId: string, id: string): Promise<void> {
    await withTenantTx(this.db, tenantId, (tx) =>
      tx.execute(sql`update jobs set run_at = now() + make_interval(secs => ${this.o.leaseMs / 1000})
        where tenant_id = ${tenantId} and id = ${id}::bigint and lease_owner = ${this.o.owner}`),
    ).catch((err: unknown) => this.o.log.warn('job lease not renewed', { tenantId, err: String(err) }));
  }

  private async fail(tenantId: string, job: Row, err: unknown): Promise<void> {
    const last = job.attempts >= this.o.maxAttempts;
    this.o.log[last ? 'error' : 'warn'](
      last ? 'job dropped after its last attempt' : 'job failed; will retry',
      {
        tenantId,
        kind: job.kind,
        attempts: job.attempts,
        err: String(err),
      },
    );
    const delay = Math.min(600, 2 ** Math.min(job.attempts, 10));
    await withTenantTx(this.db, tenantId, (tx) =>
      last
        ? tx.execute(sql`delete from jobs where tenant_id = ${tenantId} and id = ${job.id}::bigint
            and lease_owner = ${this.o.owner}`)
        : tx.execute(sql`update jobs set lease_owner = null, run_at = now() + make_interval(secs => ${delay}),
            last_error = ${String(err).slice(0, 500)}
            where tenant_id = ${tenantId} and id = ${job.id}::bigint and lease_owner = ${this.o.owner}`),
    ).catch((e: unknown) =>
      this.o.log.warn('job failure not recorded (its lease will expire)', { err: String(e) }),
    );
  }
}
