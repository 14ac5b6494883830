import type { GrantRole, TenantRole } from '@quire/shared/tenancy';
import type { AccessClaims } from '@quire/shared/tokens';
import type postgres from 'postgres';
import { type ActorRecord, actorOf } from '../../auth/actor.ts';
import type { CredentialKind } from '../../auth/credentials.ts';
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
  actor_role: TenantRole;
  actor_groups: string[];
  actor_kind: CredentialKind;
  actor_scopes: string[];
  id: string | null;
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
 * Everything GET /v1/documents/{id} shows, with the caller's session check, in one statement
 * (the `document_view_v2()` SQL function, migration 0009, which checks the credential through
 * `session_actor()` as every other route does; run through `readAsActor`, which applies the
 * credential's scopes). Null: the session is gone; `row` undefined: no such document in this tenant.
 */
export async function readDocumentView(
  sql: postgres.Sql,
  tenantId: string,
  claims: AccessClaims,
  id: string,
): Promise<{ actor: ActorRecord; row: DocumentView | undefined } | null> {
  const [r] = await sql<
    Row[]
  >`select * from document_view_v2(${tenantId}, ${claims.sub}, ${claims.sid}, ${id})`;
  if (!r) return null;
  const actor = actorOf(claims, {
    role: r.actor_role,
    groups: r.actor_groups,
    kind: r.actor_kind,
    scopes: r.actor_scopes,
  });
  return { actor, row: r.id === null ? undefined : toView(r) };
}

function toView(r: Row): DocumentView {
  return {
    doc: {
      id: r.id!,
      folderId: r.folder_id,
      title: r.title,
      tags: r.tags,
      customFields: r.custom_fields,
      currentVersionId: r.current_version_id,
      versionCount: r.version_count,
      createdBy: r.created_by,
      createdAt: new Date(r.created_ms),
      updatedAt: new Date(r.updated_ms),
      trashedAt: r.trashed_ms === null ? null : new Date(r.trashed_ms),
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
      createdAt: new Date(r.v_created_ms),
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
