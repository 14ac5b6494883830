import { and, asc, desc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import { pgArray } from '../../auth/policy.ts';
import { documents, documentVersions, folders, idempotencyKeys } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

export type DocumentRow = typeof documents.$inferSelect;
export type VersionRow = typeof documentVersions.$inferSelect;

/** A document and the materialized path of its folder (null at the top level). */
export async function findDocument(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<{ doc: DocumentRow; folderPath: string | null } | undefined> {
  const [row] = await tx
    .select({ doc: documents, folderPath: folders.path })
    .from(documents)
    .leftJoin(folders, and(eq(folders.tenantId, documents.tenantId), eq(folders.id, documents.folderId)))
    .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)));
  return row;
}

export async function insertDocument(tx: Tx, row: typeof documents.$inferInsert): Promise<DocumentRow> {
  const [saved] = await tx.insert(documents).values(row).returning();
  return saved!;
}

export async function updateDocument(
  tx: Tx,
  tenantId: string,
  id: string,
  set: Partial<typeof documents.$inferInsert>,
) {
  const [saved] = await tx
    .update(documents)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
    .returning();
  return saved!;
}

/** Locks the document row: concurrent new versions get consecutive numbers. */
export async function lockDocument(tx: Tx, tenantId: string, id: string): Promise<DocumentRow | undefined> {
  const [row] = await tx
    .select()
    .from(documents)
    .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
    .for('update');
  return row;
}

export async function insertVersion(tx: Tx, row: typeof documentVersions.$inferInsert): Promise<VersionRow> {
  const [saved] = await tx.insert(documentVersions).values(row).returning();
  return saved!;
}

export async function findVersion(tx: Tx, tenantId: string, documentId: string, versionId: string) {
  const [row] = await tx
    .select()
    .from(documentVersions)
    .where(
      and(
        eq(documentVersions.tenantId, tenantId),
        eq(documentVersions.documentId, documentId),
        eq(documentVersions.id, versionId),
      ),
    );
  return row;
}

export async function listVersions(tx: Tx, tenantId: string, documentId: string): Promise<VersionRow[]> {
  return tx
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.tenantId, tenantId), eq(documentVersions.documentId, documentId)))
    .orderBy(desc(documentVersions.number));
}

export async function deleteDocumentRows(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.delete(documents).where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)));
}

export async function childDocuments(
  tx: Tx,
  tenantId: string,
  folderId: string | null,
  afterId: string | undefined,
  limit: number,
) {
  return tx
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.tenantId, tenantId),
        folderId ? eq(documents.folderId, folderId) : isNull(documents.folderId),
        isNull(documents.trashedAt),
        afterId ? gt(documents.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(documents.id))
    .limit(limit);
}

/** Top-level documents the principals hold a grant on. */
export async function grantedRootDocuments(
  tx: Tx,
  tenantId: string,
  principalIds: string[],
  afterId: string | undefined,
  limit: number,
) {
  return tx
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.tenantId, tenantId),
        isNull(documents.folderId),
        isNull(documents.trashedAt),
        afterId ? gt(documents.id, afterId) : undefined,
        sql`exists (select 1 from grants g where g.tenant_id = ${documents.tenantId} and g.resource_id = ${documents.id}
                    and g.principal_id = any(${pgArray(principalIds)}::text[]))`,
      ),
    )
    .orderBy(asc(documents.id))
    .limit(limit);
}

/**
 * Trashed documents the actor may write: every one for an admin; otherwise those with a
 * grant of editor or owner to the actor on the document or any folder above it.
 */
export async function trashedDocuments(
  tx: Tx,
  tenantId: string,
  principalIds: string[] | 'all',
  afterId: string | undefined,
  limit: number,
): Promise<DocumentRow[]> {
  const visible =
    principalIds === 'all'
      ? undefined
      : sql`exists (select 1 from grants g where g.tenant_id = ${documents.tenantId} and g.role in ('editor', 'owner')
              and g.principal_id = any(${pgArray(principalIds)}::text[])
              and (g.resource_id = ${documents.id}
                   or g.resource_id = any(string_to_array(trim(both '/' from coalesce(${folders.path}, '')), '/'))))`;
  const rows = await tx
    .select({ doc: documents })
    .from(documents)
    .leftJoin(folders, and(eq(folders.tenantId, documents.tenantId), eq(folders.id, documents.folderId)))
    .where(
      and(
        eq(documents.tenantId, tenantId),
        isNotNull(documents.trashedAt),
        visible,
        afterId ? gt(documents.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(documents.id))
    .limit(limit);
  return rows.map((r) => r.doc);
}

/** How long a retry with the same Idempotency-Key returns the first result (then the janitor deletes it). */
export const IDEMPOTENCY_TTL_HOURS = 24;
const unexpired = sql`${idempotencyKeys.createdAt} > now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`;

/** The first result of a request with this key, if it has not expired. */
export async function findIdempotent(tx: Tx, tenantId: string, userId: string, key: string) {
  const [row] = await tx
    .select()
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.tenantId, tenantId),
        eq(idempotencyKeys.userId, userId),
        eq(idempotencyKeys.key, key),
        unexpired,
      ),
    );
  return row;
}

/** Returns false when another request with the same key committed first (an expired one is replaced). */
export async function saveIdempotent(tx: Tx, row: typeof idempotencyKeys.$inferInsert): Promise<boolean> {
  const saved = await tx
    .insert(idempotencyKeys)
    .values(row)
    .onConflictDoUpdate({
      target: [idempotencyKeys.tenantId, idempotencyKeys.userId, idempotencyKeys.key],
      set: {
        requestHash: row.requestHash,
        status: row.status,
        response: row.response,
        createdAt: sql`now()`,
      },
      setWhere: sql`${idempotencyKeys.createdAt} <= now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`,
    })
    .returning({ key: idempotencyKeys.key });
  return saved.length === 1;
}

/** Deletes the tenant's keys past their lifetime; returns how many. */
export async function deleteExpiredIdempotency(tx: Tx, tenantId: string): Promise<number> {
  const gone = await tx
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, tenantId), sql`not (${unexpired})`))
    .returning({ key: idempotencyKeys.key });
  return gone.length;
}
