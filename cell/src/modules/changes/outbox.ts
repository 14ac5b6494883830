import { sql } from 'drizzle-orm';
import type { CellDeps } from '../../context.ts';
import { searchOutbox } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

/**
 * The write side of the search outbox. Call these INSIDE the transaction that changes the
 * document or folder, so the change and "re-index this" commit or roll back together; then,
 * after the commit, `ringSearch` wakes a worker. The worker reads the current state from
 * Postgres, so a row says only *what* to look at, never what to write.
 */
export async function queueDocumentIndex(
  tx: Tx,
  tenantId: string,
  documentIds: string[],
  reason: string,
): Promise<void> {
  if (documentIds.length === 0) return;
  await tx.insert(searchOutbox).values(
    [...new Set(documentIds)].map((id) => ({
      tenantId,
      kind: 'document' as const,
      resourceId: id,
      reason,
    })),
  );
}

/** A folder moved or was deleted: the ancestry of every document below it changed. */
export async function queueFolderIndex(
  tx: Tx,
  tenantId: string,
  folderId: string,
  reason: string,
): Promise<void> {
  await tx.insert(searchOutbox).values({ tenantId, kind: 'folder', resourceId: folderId, reason });
}

/** Every current (non-trashed) document of the tenant: for a rebuild or a repair. */
export async function queueAllDocuments(tx: Tx, tenantId: string, reason: string): Promise<number> {
  const rows = await tx.execute(sql`
    insert into search_outbox (tenant_id, kind, resource_id, reason)
    select tenant_id, 'document', id, ${reason} from documents
    where tenant_id = ${tenantId} and trashed_at is null
    order by id`);
  return rows.count ?? 0;
}

/** After the commit: wake a worker (best effort; the sweep catches a lost ring). */
export function ringSearch(deps: Pick<CellDeps, 'searchDoorbell'>): void {
  deps.searchDoorbell.ring();
}

/**
 * A document's comments changed (created, edited, deleted): its index entry, which carries the
 * text of its live comments so readers of the document find them, is stale. A document row
 * with a `comment.*` reason: the drain re-indexes the document from Postgres as for any change.
 *
 * A busy thread must not make every comment wait for the others: a row for the document
 * that is still waiting (not held by a worker) already covers this change, so none is added.
 * The waiting row is share-locked until this commit, so a worker cannot take it (its claim is
 * FOR UPDATE SKIP LOCKED) and index the document without this comment; a row a worker already
 * holds is skipped, and a new one is written. Without a new row, the tenant's doorbell row is
 * not locked either, so concurrent comments of one tenant do not queue behind each other.
 */
export async function queueCommentIndex(
  tx: Tx,
  tenantId: string,
  documentId: string,
  reason: 'comment.created' | 'comment.edited' | 'comment.deleted',
): Promise<void> {
  await tx.execute(sql`
    insert into search_outbox (tenant_id, kind, resource_id, reason)
    select ${tenantId}, 'document', ${documentId}, ${reason}
    where not exists (
      select 1 from search_outbox o
      where o.tenant_id = ${tenantId} and o.kind = 'document' and o.resource_id = ${documentId}
      limit 1 for share skip locked)`);
}
