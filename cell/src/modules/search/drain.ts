import { sql } from 'drizzle-orm';
import type { IndexedDocument } from '../../adapters/search-index/port.ts';
import { pgArray } from '../../auth/policy.ts';
import type { CellDeps } from '../../context.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { commentTextOf } from '../comments/repo.ts';
import { type DerivativeRow, findDerivatives, sourceVersionId } from '../documents/extraction.ts';
import { deleteDerivedBlobs, ensureDerivatives } from './derivatives.ts';
import { bumpIndexVersion } from './facet-cache.ts';
import { FairScheduler } from './fair.ts';
import { expandFolder, loadDocumentStates, toIndexedDocument } from './indexer.ts';
import { readText } from './sealed.ts';

export interface DrainOptions {
  /** Outbox rows claimed per batch (default 25). */
  batchSize?: number;
  /** Batches indexed at once (default 2). */
  lanes?: number;
  /** Only these tenants (tests, the rebuild command); default every tenant with pending rows. */
  tenantIds?: string[];
}

export interface DrainStats {
  batches: number;
  /** Outbox rows deleted because the index now reflects Postgres. */
  done: number;
  indexed: number;
  removed: number;
  /** Rows put back with a delay after an infrastructure error. */
  retried: number;
}

export interface BatchResult extends DrainStats {
  claimed: number;
  /** Rows left alone because another worker holds their document. */
  skipped: number;
}

type OutboxRow = {
  /** bigint, as text. */
  id: string;
  kind: 'document' | 'folder';
  resource_id: string;
  attempts: number;
};

const MAX_BACKOFF_SECONDS = 600;

function emptyStats(): DrainStats {
  return { batches: 0, done: 0, indexed: 0, removed: 0, retried: 0 };
}

/**
 * Drains the search outbox into the search engine. Rows are claimed with FOR UPDATE SKIP
 * LOCKED inside a tenant transaction that stays open while the batch is processed and
 * deletes them only after the engine has the current state, so a crash anywhere leaves
 * them to be claimed again, and processing twice is harmless (an upsert by document id of
 * whatever Postgres holds now, or a removal when it is trashed or gone). A per-document
 * advisory lock keeps two workers from writing one document's entry out of order.
 *
 * Tenants are served by weighted round-robin on their plan's jobWeight, one batch per turn.
 */
export class SearchDrainer {
  private readonly deps: CellDeps;
  private readonly batchSize: number;
  private readonly lanes: number;
  private readonly only: string[] | undefined;
  private readonly ensured = new Set<string>();
  private running: Promise<DrainStats> | undefined;
  private again = false;
  private stopping = false;

  constructor(deps: CellDeps, options: DrainOptions = {}) {
    this.deps = deps;
    this.batchSize = options.batchSize ?? 25;
    this.lanes = options.lanes ?? 2;
    this.only = options.tenantIds;
  }

  /**
   * Indexes until no tenant has claimable rows. Calls while a drain runs join it and make it
   * take one more look, so a row committed during a drain is never left behind by it.
   */
  drainUntilIdle(): Promise<DrainStats> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      const total = emptyStats();
      try {
        do {
          this.again = false;
          await this.drainPass(total);
        } while (this.again && !this.stopping);
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    this.running = run;
    return run;
  }

  /** Finishes the batches in flight, then stops taking new ones. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => {});
  }

  private async drainPass(total: DrainStats): Promise<void> {
    while (!this.stopping) {
      const pending = await this.pendingTenants();
      if (pending.length === 0) return;
      const scheduler = new FairScheduler();
      const seqs = new Map<string, number>();
      for (const p of pending) {
        seqs.set(p.tenantId, p.seq);
        scheduler.set(p.tenantId, await this.weightOf(p.tenantId));
      }
      let progress = 0;
      const busy = new Set<string>();
      const lane = async () => {
        for (let t = scheduler.next(busy); t !== undefined && !this.stopping; t = scheduler.next(busy)) {
          busy.add(t);
          let result: BatchResult | undefined;
          try {
            result = await this.processBatch(t);
          } catch (err) {
            this.deps.log.error('search batch failed; its rows stay for a later attempt', {
              tenantId: t,
              err: String(err),
            });
          } finally {
            busy.delete(t);
          }
          if (!result) {
            scheduler.remove(t);
            continue;
          }
          add(total, result);
          progress += result.claimed - result.skipped;
          if (result.claimed === 0) {
            scheduler.remove(t);
            await this.clearIfEmpty(t, seqs.get(t)!);
          } else if (result.claimed === result.skipped) {
            scheduler.remove(t); // another worker holds these documents; look again next pass
          }
        }
      };
      await Promise.all(Array.from({ length: this.lanes }, lane));
      if (progress === 0) return;
    }
  }

  private async pendingTenants(): Promise<{ tenantId: string; seq: number }[]> {
    // The doorbell table has no RLS and holds only tenant ids and counters.
    const rows = await this.deps.db.execute<{ tenant_id: string; seq: string }>(
      this.only
        ? sql`select tenant_id, seq from search_outbox_tenants where pending and tenant_id = any(${pgArray(this.only)}::text[])`
        : sql`select tenant_id, seq from search_outbox_tenants where pending order by changed_at limit 10000`,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, seq: Number(r.seq) }));
  }

  private async weightOf(tenantId: string): Promise<number> {
    try {
      return (await this.deps.tenants.get(tenantId))?.limits.jobWeight ?? 1;
    } catch {
      return 1;
    }
  }

  /**
   * Marks the tenant idle when it has no outbox rows at all; `seq` (read before the batches)
   * makes the update miss when a row was added since, so a new row is never orphaned.
   */
  private async clearIfEmpty(tenantId: string, seq: number): Promise<void> {
    const empty = await withTenantTx(this.deps.db, tenantId, async (tx) => {
      const [row] = await tx.execute<{ any: boolean }>(
        sql`select exists (select 1 from search_outbox where tenant_id = ${tenantId}) as any`,
      );
      return !row?.any;
    });
    if (!empty) return;
    await this.deps.db.execute(
      sql`update search_outbox_tenants set pending = false where tenant_id = ${tenantId} and seq = ${seq}`,
    );
  }

  private async ensureTenant(tenantId: string): Promise<void> {
    if (this.ensured.has(tenantId)) return;
    const tenant = await this.deps.tenants.get(tenantId);
    await this.deps.searchIndex.ensureTenant(tenantId, tenant?.tier ?? 'pooled');
    this.ensured.add(tenantId);
  }

  /** Claims one batch of the tenant's rows and brings the index in line with Postgres for them. */
  async processBatch(tenantId: string): Promise<BatchResult> {
    await this.ensureTenant(tenantId);
    const { deps } = this;
    return withTenantTx(deps.db, tenantId, async (tx) => {
      const result: BatchResult = { ...emptyStats(), batches: 1, claimed: 0, skipped: 0 };
      const rows = await tx.execute<OutboxRow>(sql`
        select id::text as id, kind, resource_id, attempts from search_outbox
        where tenant_id = ${tenantId} and available_at <= now()
        order by id limit ${this.batchSize}
        for update skip locked`);
      result.claimed = rows.length;
      if (rows.length === 0) return result;

      const done: string[] = [];
      for (const r of rows.filter((r) => r.kind === 'folder')) {
        await expandFolder(tx, tenantId, r.resource_id, 'folder.changed');
        done.push(r.id);
      }
      const docRows = rows.filter((r) => r.kind === 'document');
      const ids = [...new Set(docRows.map((r) => r.resource_id))].sort();
      const mine = await lockDocuments(tx, tenantId, ids);
      const states = await loadDocumentStates(tx, tenantId, mine);
      const commentText = await commentTextOf(tx, tenantId, mine);
      const known = await findDerivatives(
        tx,
        tenantId,
        [...states.values()].map((s) => sourceVersionId(s.version)),
      );

      const upserts: IndexedDocument[] = [];
      const removals: string[] = [];
      const gone: string[] = [];
      const failed = new Map<string, unknown>();
      for (const id of mine) {
        const state = states.get(id);
        if (!state || state.doc.trashedAt) {
          removals.push(id);
          if (!state) gone.push(id);
          continue;
        }
        try {
          const derived: DerivativeRow = await tx.transaction((sp) =>
            ensureDerivatives(
              deps,
              sp,
              tenantId,
              id,
              state.version,
              known.get(sourceVersionId(state.version)),
            ),
          );
          const text = await readText(deps, tenantId, derived);
          upserts.push(toIndexedDocument(tenantId, state, text, derived.language, commentText.get(id)));
        } catch (err) {
          failed.set(id, err);
        }
      }
      try {
        if (removals.length > 0) await deps.searchIndex.remove(tenantId, removals);
        if (upserts.length > 0) await deps.searchIndex.upsert(tenantId, upserts);
        // Cached facets of this tenant are stale from here (modules/search/facet-cache.ts).
        if (removals.length + upserts.length > 0) await bumpIndexVersion(deps, tenantId);
        for (const id of gone) await deleteDerivedBlobs(deps, tenantId, id);
        result.indexed = upserts.length;
        result.removed = removals.length;
      } catch (err) {
        for (const id of [...removals, ...upserts.map((u) => u.documentId)]) failed.set(id, err);
      }

      const held = new Set(mine);
      const retry: OutboxRow[] = [];
      for (const r of docRows) {
        if (!held.has(r.resource_id)) result.skipped++;
        else if (failed.has(r.resource_id)) retry.push(r);
        else done.push(r.id);
      }
      for (const r of retry) {
        const err = failed.get(r.resource_id);
        const delay = Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(r.attempts, 10));
        deps.log.warn('search indexing failed; will retry', {
          tenantId,
          documentId: r.resource_id,
          attempts: r.attempts + 1,
          err: String(err),
        });
        await tx.execute(sql`
          update search_outbox set attempts = attempts + 1, available_at = now() + make_interval(secs => ${delay}),
            last_error = ${String(err).slice(0, 500)}
          where tenant_id = ${tenantId} and id = ${r.id}`);
      }
      if (done.length > 0) {
        await tx.execute(sql`delete from search_outbox
          where tenant_id = ${tenantId} and id = any(${`{${done.join(',')}}`}::bigint[])`);
      }
      result.done = done.length;
      result.retried = retry.length;
      return result;
    });
  }
}

/** Takes a transaction-scoped advisory lock per document; returns the ids it got. */
async function lockDocuments(tx: Tx, tenantId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.execute<{ id: string; ok: boolean }>(sql`
    select id, pg_try_advisory_xact_lock(hashtextextended(${tenantId} || '/' || id, 0)) as ok
    from unnest(${pgArray(ids)}::text[]) as id order by id`);
  return rows.filter((r) => r.ok).map((r) => r.id);
}

function add(total: DrainStats, r: DrainStats): void {
  total.batches += r.batches;
  total.done += r.done;
  total.indexed += r.indexed;
  total.removed += r.removed;
  total.retried += r.retried;
}
