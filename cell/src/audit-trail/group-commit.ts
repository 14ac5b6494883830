import type postgres from 'postgres';
import type { AuditEntry } from './entry.ts';

interface Waiting {
  entries: AuditEntry[];
  done(): void;
  fail(err: unknown): void;
}

/**
 * Durable appends for entries that have no transaction of their own to ride in: reads and
 * denials. Each caller waits until its entries are committed (synchronous commit), so an
 * entry is never lost once the response it belongs to is sent; callers arriving while a
 * write is in flight share the next one (group commit: one statement and one WAL flush for
 * many requests, whatever their tenants).
 */
export class AuditGroupCommit {
  private readonly sql: postgres.Sql;
  private readonly maxBatch: number;
  private queue: Waiting[] = [];
  private flushing: Promise<void> | null = null;
  /** Statements written and entries in them, since start (for metrics and benches). */
  readonly stats = { writes: 0, entries: 0 };

  constructor(sql: postgres.Sql, maxBatch = 2000) {
    this.sql = sql;
    this.maxBatch = maxBatch;
  }

  append(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise((done, fail) => {
      this.queue.push({ entries, done, fail });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves once everything appended so far is written (or has failed). */
  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: Waiting[] = [];
        let size = 0;
        while (
          this.queue.length > 0 &&
          (batch.length === 0 || size + this.queue[0]!.entries.length <= this.maxBatch)
        ) {
          const next = this.queue.shift()!;
          batch.push(next);
          size += next.entries.length;
        }
        try {
          // One statement, its own transaction: durable when it returns.
          await this
            .sql`select audit_record(${JSON.stringify(batch.flatMap((w) => w.entries))}::text::jsonb)`;
          this.stats.writes += 1;
          this.stats.entries += size;
          for (const w of batch) w.done();
        } catch (err) {
          for (const w of batch) w.fail(err);
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
