import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/tenant-tx.ts';
import type { Part } from './parts.ts';

export interface UploadRow {
  tenantId: string;
  id: string;
  createdBy: string;
  documentId: string | null;
  folderId: string | null;
  filename: string;
  title: string | null;
  contentType: string;
  length: number;
  offset: number;
  parts: Part[];
  wrappedKey: Buffer;
  keyRef: string;
  versionId: string | null;
  completedAt: Date | null;
  expiresAt: Date;
}

type Raw = Record<string, unknown>;

function toRow(r: Raw): UploadRow {
  return {
    tenantId: r.tenant_id as string,
    id: r.id as string,
    createdBy: r.created_by as string,
    documentId: (r.document_id as string | null) ?? null,
    folderId: (r.folder_id as string | null) ?? null,
    filename: r.filename as string,
    title: (r.title as string | null) ?? null,
    contentType: r.content_type as string,
    length: Number(r.length),
    offset: Number(r.offset),
    parts: r.parts as Part[],
    wrappedKey: r.wrapped_key as Buffer,
    keyRef: r.key_ref as string,
    versionId: (r.version_id as string | null) ?? null,
    completedAt: r.completed_at ? new Date(r.completed_at as string) : null,
    expiresAt: new Date(r.expires_at as string),
  };
}

export async function insertUpload(
  tx: Tx,
  u: Omit<UploadRow, 'offset' | 'parts' | 'versionId' | 'completedAt' | 'expiresAt'> & {
    expiresInMs: number;
  },
): Promise<UploadRow> {
  const [row] = await tx.execute<Raw>(sql`
    insert into uploads (tenant_id, id, created_by, document_id, folder_id, filename, title, content_type,
      length, wrapped_key, key_ref, expires_at)
    values (${u.tenantId}, ${u.id}, ${u.createdBy}, ${u.documentId}, ${u.folderId}, ${u.filename}, ${u.title},
      ${u.contentType}, ${u.length}, ${u.wrappedKey}, ${u.keyRef},
      now() + make_interval(secs => ${u.expiresInMs / 1000}))
    returning *`);
  return toRow(row!);
}

/** The caller's own upload (another user's, or another tenant's, is not found). */
export async function findUpload(
  tx: Tx,
  tenantId: string,
  userId: string,
  id: string,
  lock = false,
): Promise<UploadRow | undefined> {
  const [row] = await tx.execute<Raw>(
    lock
      ? sql`select * from uploads where tenant_id = ${tenantId} and id = ${id} and created_by = ${userId}
          and expires_at > now() for update`
      : sql`select * from uploads where tenant_id = ${tenantId} and id = ${id} and created_by = ${userId}
          and expires_at > now()`,
  );
  return row ? toRow(row) : undefined;
}

/**
 * Records a durable part at the offset it was written for: a concurrent PATCH that got there
 * first makes this miss (false), and the part is then not acknowledged.
 */
export async function appendPart(
  tx: Tx,
  tenantId: string,
  id: string,
  atOffset: number,
  part: Part,
  expiresInMs: number,
): Promise<boolean> {
  const rows = await tx.execute<{ id: string }>(sql`
    update uploads set "offset" = "offset" + ${part.size}, parts = parts || ${JSON.stringify([part])}::jsonb,
      expires_at = now() + make_interval(secs => ${expiresInMs / 1000})
    where tenant_id = ${tenantId} and id = ${id} and "offset" = ${atOffset} and completed_at is null
    returning id`);
  return rows.length === 1;
}

/** Marks the upload done, in the transaction that creates its document or version; false if it already was. */
export async function completeUpload(
  tx: Tx,
  tenantId: string,
  id: string,
  created: { documentId: string; versionId: string },
): Promise<boolean> {
  const rows = await tx.execute<{ id: string }>(sql`
    update uploads set completed_at = now(), document_id = ${created.documentId}, version_id = ${created.versionId},
      parts = '[]'::jsonb
    where tenant_id = ${tenantId} and id = ${id} and completed_at is null
    returning id`);
  return rows.length === 1;
}

export async function deleteUpload(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.execute(sql`delete from uploads where tenant_id = ${tenantId} and id = ${id}`);
}

/** Uploads past their expiry (finished or not), for the janitor. */
export async function expiredUploads(tx: Tx, tenantId: string): Promise<string[]> {
  const rows = await tx.execute<{ id: string }>(sql`
    select id from uploads where tenant_id = ${tenantId} and expires_at < now() order by expires_at limit 500`);
  return rows.map((r) => r.id);
}
