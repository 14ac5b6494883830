import { and, eq, inArray, sql } from 'drizzle-orm';
import type { IndexedDocument } from '../../adapters/search-index/port.ts';
import { idsFromPath } from '../../auth/policy.ts';
import { documents, documentVersions, folders } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { DocumentRow, VersionRow } from '../documents/repo.ts';
import { coarseType } from '../extraction/kinds.ts';

/** A document as Postgres has it now: the only thing the index is ever built from. */
export interface DocumentState {
  doc: DocumentRow;
  version: VersionRow;
  folderPath: string | null;
}

export async function loadDocumentStates(
  tx: Tx,
  tenantId: string,
  ids: string[],
): Promise<Map<string, DocumentState>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ doc: documents, version: documentVersions, folderPath: folders.path })
    .from(documents)
    .innerJoin(
      documentVersions,
      and(
        eq(documentVersions.tenantId, documents.tenantId),
        eq(documentVersions.id, documents.currentVersionId),
      ),
    )
    .leftJoin(folders, and(eq(folders.tenantId, documents.tenantId), eq(folders.id, documents.folderId)))
    .where(and(eq(documents.tenantId, tenantId), inArray(documents.id, ids)));
  return new Map(rows.map((r) => [r.doc.id, r]));
}

export function toIndexedDocument(
  tenantId: string,
  { doc, version, folderPath }: DocumentState,
  text: string,
  language: string | null,
  comments = '',
): IndexedDocument {
  return {
    tenantId,
    documentId: doc.id,
    versionId: doc.currentVersionId,
    title: doc.title,
    filename: version.filename,
    tags: doc.tags,
    body: text,
    comments,
    folderId: doc.folderId,
    ancestorIds: idsFromPath(folderPath),
    authorId: doc.createdBy,
    type: coarseType(version.contentType, version.filename),
    contentType: version.contentType,
    customFields: doc.customFields,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    language: language ?? 'simple',
  };
}

/** Queues a document row for every current document below a folder (its ancestry changed). */
export async function expandFolder(
  tx: Tx,
  tenantId: string,
  folderId: string,
  reason: string,
): Promise<number> {
  const [folder] = await tx
    .select({ path: folders.path })
    .from(folders)
    .where(and(eq(folders.tenantId, tenantId), eq(folders.id, folderId)));
  if (!folder) return 0;
  // Paths end in '/': [path, path-with-last-'/'-as-'0') is exactly the subtree (see folders/repo.ts).
  const bound = `${folder.path.slice(0, -1)}0`;
  const rows = await tx.execute(sql`
    insert into search_outbox (tenant_id, kind, resource_id, reason)
    select d.tenant_id, 'document', d.id, ${reason}
    from documents d join folders f on f.tenant_id = d.tenant_id and f.id = d.folder_id
    where d.tenant_id = ${tenantId} and d.trashed_at is null
      and f.path ~>=~ ${folder.path} and f.path ~<~ ${bound}`);
  return rows.count ?? 0;
}
