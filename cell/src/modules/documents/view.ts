import type { GrantRole } from '@quire/shared/tenancy';
import type { Tx } from '../../db/tenant-tx.ts';
import type { ShownDerivative } from './extraction.ts';
import type { ShownDocument, ShownVersion } from './presenter.ts';

export interface DocumentView {
  doc: ShownDocument;
  version: ShownVersion;
  derivative: ShownDerivative | undefined;
  /** The best role a grant gives the user, or one of their groups, here or on a folder above. */
  grantRole: GrantRole | null;
}

type Row = {
  id: string;
  folder_id: string | null;
  title: string;
  tags: string[];
  custom_fields: ShownDocument['customFields'];
  current_version_id: string;
  version_count: number;
  created_by: string;
  created_ms: number;
  updated_ms: number;
  trashed_ms: number | null;
  v_number: number;
  v_filename: string;
  v_content_type: string;
  v_size: string;
  v_sha256: string;
  v_restored_from: string | null;
  v_created_by: string;
  v_created_ms: number;
  text_status: ShownDerivative['textStatus'] | null;
  text_error_code: string | null;
  text_error_message: string | null;
  language: string | null;
  text_truncated: boolean | null;
  preview_status: ShownDerivative['previewStatus'];
  grant_role: GrantRole | null;
};

/**
 * Everything GET /v1/documents/{id} shows, in one statement: the document, its current
 * version with that version's extraction state, and the user's best grant on it or a folder
 * above it. It needs no actor record (groups are read here), so it rides in the request's
 * first round trip; raw and prepared because it runs on every document view (building it
 * with the query builder cost more CPU than the rest of the request).
 */
export async function findDocumentView(
  tx: Tx,
  tenantId: string,
  id: string,
  userId: string,
): Promise<DocumentView | undefined> {
  const [r] = await tx.conn<Row[]>`
    select d.id, d.folder_id, d.title, d.tags, d.custom_fields, d.current_version_id, d.version_count,
           d.created_by, extract(epoch from d.created_at) * 1000 as created_ms,
           extract(epoch from d.updated_at) * 1000 as updated_ms,
           extract(epoch from d.trashed_at) * 1000 as trashed_ms,
           v.number as v_number, v.filename as v_filename, v.content_type as v_content_type,
           v.size::text as v_size, v.sha256 as v_sha256, v.restored_from as v_restored_from,
           v.created_by as v_created_by, extract(epoch from v.created_at) * 1000 as v_created_ms,
           x.text_status, x.text_error_code, x.text_error_message, x.language, x.text_truncated,
           x.preview_status,
           (select g.role from grants g
             where g.tenant_id = d.tenant_id
               and g.resource_id = any(d.id || string_to_array(trim(both '/' from coalesce(f.path, '')), '/'))
               and (g.principal_id = ${userId} or g.principal_id in (
                     select gm.group_id from group_members gm where gm.tenant_id = d.tenant_id and gm.user_id = ${userId}))
             order by case g.role when 'owner' then 3 when 'editor' then 2 else 1 end desc limit 1) as grant_role
    from documents d
    left join folders f on f.tenant_id = d.tenant_id and f.id = d.folder_id
    join document_versions v on v.tenant_id = d.tenant_id and v.id = d.current_version_id
    left join version_derivatives x on x.tenant_id = d.tenant_id and x.version_id = regexp_replace(v.blob_key, '^.*/', '')
    where d.tenant_id = ${tenantId} and d.id = ${id}`;
  if (!r) return undefined;
  return {
    doc: {
      id: r.id,
      folderId: r.folder_id,
      title: r.title,
      tags: r.tags,
      customFields: r.custom_fields,
      currentVersionId: r.current_version_id,
      versionCount: r.version_count,
      createdBy: r.created_by,
      createdAt: new Date(Number(r.created_ms)),
      updatedAt: new Date(Number(r.updated_ms)),
      trashedAt: r.trashed_ms === null ? null : new Date(Number(r.trashed_ms)),
    },
    version: {
      id: r.current_version_id,
      number: r.v_number,
      filename: r.v_filename,
      contentType: r.v_content_type,
      size: Number(r.v_size),
      sha256: r.v_sha256,
      restoredFrom: r.v_restored_from,
      createdBy: r.v_created_by,
      createdAt: new Date(Number(r.v_created_ms)),
    },
    derivative:
      r.text_status === null
        ? undefined
        : {
            textStatus: r.text_status,
            textErrorCode: r.text_error_code,
            textErrorMessage: r.text_error_message,
            language: r.language,
            textTruncated: r.text_truncated ?? false,
            previewStatus: r.preview_status,
          },
    grantRole: r.grant_role,
  };
}
