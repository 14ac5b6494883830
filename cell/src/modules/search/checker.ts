import { sql } from 'drizzle-orm';
import { idsFromPath } from '../../auth/policy.ts';
import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { queueAllDocuments, queueDocumentIndex, ringSearch } from '../changes/outbox.ts';
import { type DrainStats, SearchDrainer } from './drain.ts';
import { bumpIndexVersion } from './facet-cache.ts';

export interface ConsistencyReport {
  tenantId: string;
  /** Current (non-trashed) documents in Postgres. */
  expected: number;
  /** Entries in the index. */
  indexed: number;
  /** In Postgres, not in the index. */
  missing: number;
  /** In both, but the index holds another version, older metadata or another folder ancestry. */
  stale: number;
  /** In the index, but trashed or gone in Postgres. */
  extra: number;
  /** Outbox rows written to repair (0 for a check only). */
  queued: number;
}

const PAGE = 1000;

interface Entry {
  id: string;
  versionId: string;
  updatedAt: number;
  /** Folder ids root → containing folder, joined. */
  ancestry: string;
}

/** Reads one side of the comparison in id order, a page at a time. */
class Pager {
  private buf: Entry[] = [];
  private after: string | null = null;
  private done = false;
  private readonly load: (after: string | null) => Promise<Entry[]>;
  constructor(load: (after: string | null) => Promise<Entry[]>) {
    this.load = load;
  }
  async peek(): Promise<Entry | undefined> {
    if (this.buf.length === 0 && !this.done) {
      this.buf = await this.load(this.after);
      if (this.buf.length < PAGE) this.done = true;
      if (this.buf.length > 0) this.after = this.buf.at(-1)!.id;
    }
    return this.buf[0];
  }
  take(): void {
    this.buf.shift();
  }
}

/**
 * Compares a tenant's index with Postgres, document by document (a merge of the two id-ordered
 * lists, so memory stays flat however large the tenant): missing, stale (version or update
 * time or folder ancestry differ) and extra entries. With `repair`, every difference becomes
 * an outbox row and the worker fixes it the usual way (reads Postgres, upserts or removes).
 * Ancestry is compared because the permission filter matches on it, and a folder move leaves
 * the documents' updatedAt alone: an entry still filed under its old ancestors (a lost outbox
 * expansion) would keep being found by readers of a folder it has left.
 */
export async function checkTenant(
  deps: Pick<CellDeps, 'db' | 'searchIndex' | 'searchDoorbell'>,
  tenantId: string,
  options: { repair: boolean },
): Promise<ConsistencyReport> {
  const report: ConsistencyReport = {
    tenantId,
    expected: 0,
    indexed: 0,
    missing: 0,
    stale: 0,
    extra: 0,
    queued: 0,
  };
  const db = new Pager(async (after) => {
    const rows = await withTenantTx(deps.db, tenantId, (tx) =>
      tx.execute<{ id: string; version_id: string; updated_at: string; path: string | null }>(sql`
        select d.id, d.current_version_id as version_id, d.updated_at, f.path from documents d
        left join folders f on f.tenant_id = d.tenant_id and f.id = d.folder_id
        where d.tenant_id = ${tenantId} and d.trashed_at is null and d.id > ${after ?? ''}
        order by d.id limit ${PAGE}`),
    );
    return rows.map((r) => ({
      id: r.id,
      versionId: r.version_id,
      updatedAt: new Date(r.updated_at).getTime(),
      ancestry: idsFromPath(r.path).join('/'),
    }));
  });
  const idx = new Pager(async (after) =>
    (await deps.searchIndex.listIndexed(tenantId, after, PAGE)).map((e) => ({
      id: e.documentId,
      versionId: e.versionId,
      updatedAt: e.updatedAt.getTime(),
      ancestry: e.ancestorIds.join('/'),
    })),
  );
  let repairs: string[] = [];
  const flush = async () => {
    if (!options.repair || repairs.length === 0) return;
    const ids = repairs;
    repairs = [];
    await withTenantTx(deps.db, tenantId, (tx) =>
      queueDocumentIndex(tx, tenantId, ids, 'consistency.repair'),
    );
    report.queued += ids.length;
  };
  const differ = async (id: string) => {
    repairs.push(id);
    if (repairs.length >= PAGE) await flush();
  };
  for (;;) {
    const [p, i] = [await db.peek(), await idx.peek()];
    if (!p && !i) break;
    if (p && (!i || p.id < i.id)) {
      report.expected++;
      report.missing++;
      db.take();
      await differ(p.id);
    } else if (i && (!p || i.id < p.id)) {
      report.indexed++;
      report.extra++;
      idx.take();
      await differ(i.id);
    } else if (p && i) {
      report.expected++;
      report.indexed++;
      if (p.versionId !== i.versionId || p.updatedAt !== i.updatedAt || p.ancestry !== i.ancestry) {
        report.stale++;
        await differ(p.id);
      }
      db.take();
      idx.take();
    }
  }
  await flush();
  if (report.queued > 0) ringSearch(deps);
  return report;
}

export interface RebuildReport {
  tenantId: string;
  dropped: boolean;
  queued: number;
  drained: DrainStats;
  after: ConsistencyReport;
}

/**
 * Re-indexes one tenant from Postgres: every current document goes through the outbox again
 * (extracted text is read back from its encrypted blob, not re-extracted), entries for
 * documents that are gone are removed, then this process drains the tenant. Other tenants'
 * entries are never touched, and their searches keep answering throughout. By default the
 * tenant's own entries are replaced in place, so its users keep finding documents during the
 * rebuild; `drop` empties the tenant's index first.
 */
export async function rebuildTenant(
  deps: CellDeps,
  tenantId: string,
  options: { drop: boolean; lanes?: number },
): Promise<RebuildReport> {
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) throw new Error(`tenant ${tenantId} is not homed in this cell`);
  if (options.drop) {
    await deps.searchIndex.dropTenant(tenantId);
    await bumpIndexVersion(deps, tenantId);
  }
  await deps.searchIndex.ensureTenant(tenantId, tenant.tier);
  const queued = await withTenantTx(deps.db, tenantId, (tx) => queueAllDocuments(tx, tenantId, 'rebuild'));
  const extras = await checkTenant(deps, tenantId, { repair: true });
  const drainer = new SearchDrainer(deps, { tenantIds: [tenantId], lanes: options.lanes ?? 2 });
  const drained = await drainer.drainUntilIdle();
  const after = await checkTenant(deps, tenantId, { repair: false });
  return { tenantId, dropped: options.drop, queued: queued + extras.queued, drained, after };
}
