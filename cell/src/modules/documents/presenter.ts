import type { GrantRole } from '@quire/shared/tenancy';
import { abilities } from '../../auth/policy.ts';
import { presentExtraction } from './extraction.ts';
import type { DocumentRow, VersionRow } from './repo.ts';

/** The columns a document's presentation shows. */
export type ShownDocument = Pick<
  DocumentRow,
  | 'id'
  | 'folderId'
  | 'title'
  | 'tags'
  | 'customFields'
  | 'currentVersionId'
  | 'versionCount'
  | 'createdBy'
  | 'createdAt'
  | 'updatedAt'
  | 'trashedAt'
>;
export type ShownVersion = Pick<
  VersionRow,
  | 'id'
  | 'number'
  | 'filename'
  | 'contentType'
  | 'size'
  | 'sha256'
  | 'restoredFrom'
  | 'createdBy'
  | 'createdAt'
>;

export function presentDocument(d: ShownDocument) {
  return {
    id: d.id,
    folderId: d.folderId,
    title: d.title,
    tags: d.tags,
    customFields: d.customFields,
    currentVersionId: d.currentVersionId,
    versionCount: d.versionCount,
    createdBy: d.createdBy,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    trashedAt: d.trashedAt ? d.trashedAt.toISOString() : null,
  };
}

/** `extraction`: where text extraction for search stands (pending until the worker has run). */
export function presentVersion(v: ShownVersion, extraction = presentExtraction(undefined)) {
  return {
    id: v.id,
    number: v.number,
    filename: v.filename,
    contentType: v.contentType,
    size: v.size,
    sha256: v.sha256,
    restoredFrom: v.restoredFrom,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
    extraction,
  };
}

export function presentDocumentDetail(
  d: ShownDocument,
  current: ShownVersion,
  role: GrantRole | null,
  extraction?: ReturnType<typeof presentExtraction>,
) {
  return {
    ...presentDocument(d),
    currentVersion: presentVersion(current, extraction),
    abilities: abilities(role),
  };
}
