import { sql } from 'drizzle-orm';
import { instant } from '../../db/instants.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { VersionRow } from '../documents/repo.ts';

/** The format of a portability export's manifest; the import reads only this version. */
export const EXPORT_FORMAT = 'quire-export/v1';

export interface ManifestVersion {
  id: string;
  number: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Where the file is in the zip. */
  file: string;
  restoredFrom: string | null;
  createdBy: string;
  createdAt: string;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  exportId: string;
  scope: 'user' | 'tenant';
  subjectUserId: string | null;
  generatedAt: string;
  tenant: { id: string; slug: string; plan: string };
  users: {
    id: string;
    email: string;
    name: string;
    role: string;
    status: string;
    createdAt: string;
  }[];
  groups: { id: string; name: string; members: string[]; createdAt: string }[];
  folders: { id: string; parentId: string | null; name: string; createdBy: string; createdAt: string }[];
  documents: {
    id: string;
    folderId: string | null;
    title: string;
    tags: string[];
    customFields: Record<string, unknown>;
    currentVersionId: string;
    trashed: boolean;
    createdBy: string;
    createdAt: string;
    updatedAt: string;
    versions: ManifestVersion[];
  }[];
  comments: {
    id: string;
    documentId: string;
    threadId: string;
    parentId: string | null;
    authorId: string;
    body: string;
    anchor: unknown;
    createdAt: string;
    resolved: boolean;
    deleted: boolean;
  }[];
  grants: {
    id: string;
    resourceType: string;
    resourceId: string;
    principalType: string;
    principalId: string;
    role: string;
    createdBy: string;
    createdAt: string;
  }[];
  /** Consent answers (grants and withdrawals, per purpose and text version): see consentRecords(). */
  consent: ConsentRecord[];
  counts: Record<string, number>;
}

export interface ActivityEntry {
  occurredAt: string;
  actorType: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  details: unknown;
}

export interface ConsentRecord {
  userId: string;
  purpose: { key: string; name: string };
  decision: 'granted' | 'withdrawn';
  textVersion: string;
  ip: string | null;
  userAgent: string | null;
  occurredAt: string;
}

export interface Collected {
  manifest: Manifest;
  activity: ActivityEntry[];
  files: { path: string; version: VersionRow; mtime: Date }[];
}

/**
 * Consent records (migration 0013): every answer the subject (scope user) or anyone (scope
 * tenant) gave, oldest first, with the purpose's key and name, the text version answered, the
 * time, IP and user agent (what the person's own `GET /v1/me/consents` shows). Evidence of the
 * answers, not something an import replays: `import.ts` leaves it out.
 */
export async function consentRecords(
  tx: Tx,
  tenantId: string,
  subjectUserId: string | null,
): Promise<ConsentRecord[]> {
  const rows = await tx.execute<{
    user_id: string;
    purpose_key: string;
    purpose_name: string;
    decision: 'granted' | 'withdrawn';
    text_version: string;
    ip: string | null;
    user_agent: string | null;
    occurred_at: Date | string;
  }>(sql`
    select e.user_id, p.key as purpose_key, p.name as purpose_name, e.decision, e.text_version,
           host(e.ip) as ip, e.user_agent, e.occurred_at
    from consent_events e
    join consent_purposes p on p.tenant_id = e.tenant_id and p.id = e.purpose_id
    where e.tenant_id = ${tenantId}${subjectUserId ? sql` and e.user_id = ${subjectUserId}` : sql``}
    order by e.id`);
  return rows.map((r) => ({
    userId: r.user_id,
    purpose: { key: r.purpose_key, name: r.purpose_name },
    decision: r.decision,
    textVersion: r.text_version,
    ip: r.ip,
    userAgent: r.user_agent,
    occurredAt: instant(r.occurred_at),
  }));
}

/**
 * What an export holds, read in one snapshot. A user's export: their profile, the documents
 * they created (every version), the folders they created, their comments, the grants naming
 * them, their activity. A tenant's: everything.
 */
export async function collect(
  tx: Tx,
  o: { tenantId: string; exportId: string; scope: 'user' | 'tenant'; subjectUserId: string | null },
): Promise<Collected> {
  const t = o.tenantId;
  const u = o.subjectUserId;
  const mine = (col: string) => (u ? sql` and ${sql.identifier(col)} = ${u}` : sql``);
  const [tenant] = await tx.execute<{ id: string; slug: string; plan: string }>(
    sql`select id, slug, plan from tenants where id = ${t}`,
  );
  const users = await tx.execute<Record<string, unknown>>(sql`
    select id, email, name, role, status, created_at from users where tenant_id = ${t}${mine('id')} order by id`);
  const groups = u
    ? []
    : await tx.execute<Record<string, unknown>>(sql`
    select g.id, g.name, g.created_at,
      coalesce((select array_agg(m.user_id order by m.user_id) from group_members m
        where m.tenant_id = g.tenant_id and m.group_id = g.id), '{}') as members
    from groups g where g.tenant_id = ${t} order by g.id`);
  const folders = await tx.execute<Record<string, unknown>>(sql`
    select id, parent_id, name, created_by, created_at from folders
    where tenant_id = ${t}${mine('created_by')} order by path`);
  const docs = await tx.execute<Record<string, unknown>>(sql`
    select id, folder_id, title, tags, custom_fields, current_version_id, trashed_at, created_by, created_at, updated_at
    from documents where tenant_id = ${t}${mine('created_by')} order by id`);
  const versions = await tx.execute<Record<string, unknown>>(sql`
    select v.* from document_versions v
    join documents d on d.tenant_id = v.tenant_id and d.id = v.document_id
    where v.tenant_id = ${t}${u ? sql` and d.created_by = ${u}` : sql``}
    order by v.document_id, v.number`);
  const comments = await tx.execute<Record<string, unknown>>(sql`
    select id, document_id, thread_id, parent_id, author_id, body, anchor, created_at, resolved_at, deleted_at
    from comments where tenant_id = ${t}${mine('author_id')} order by id`);
  const grants = await tx.execute<Record<string, unknown>>(sql`
    select id, resource_type, resource_id, principal_type, principal_id, role, created_by, created_at
    from grants where tenant_id = ${t}${u ? sql` and principal_type = 'user' and principal_id = ${u}` : sql``} order by id`);
  const activity = await tx.execute<Record<string, unknown>>(sql`
    select occurred_at, actor_type, actor_id, action, resource_type, resource_id, details
    from audit_log where tenant_id = ${t}${mine('actor_id')} order by id`);

  const byDoc = new Map<string, ManifestVersion[]>();
  const files: Collected['files'] = [];
  for (const v of versions) {
    const version = toVersion(v);
    const file = `files/${version.documentId}/${version.id}`;
    files.push({ path: file, version, mtime: version.createdAt });
    const list = byDoc.get(version.documentId) ?? [];
    list.push({
      id: version.id,
      number: version.number,
      filename: version.filename,
      contentType: version.contentType,
      size: version.size,
      sha256: version.sha256,
      file,
      restoredFrom: version.restoredFrom,
      createdBy: version.createdBy,
      createdAt: version.createdAt.toISOString(),
    });
    byDoc.set(version.documentId, list);
  }
  const manifest: Manifest = {
    format: EXPORT_FORMAT,
    exportId: o.exportId,
    scope: o.scope,
    subjectUserId: u,
    generatedAt: new Date().toISOString(),
    tenant: { id: tenant!.id, slug: tenant!.slug, plan: tenant!.plan },
    users: users.map((r) => ({
      id: r.id as string,
      email: r.email as string,
      name: r.name as string,
      role: r.role as string,
      status: r.status as string,
      createdAt: instant(r.created_at as string),
    })),
    groups: groups.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      members: (r.members as string[]) ?? [],
      createdAt: instant(r.created_at as string),
    })),
    folders: folders.map((r) => ({
      id: r.id as string,
      parentId: (r.parent_id as string | null) ?? null,
      name: r.name as string,
      createdBy: r.created_by as string,
      createdAt: instant(r.created_at as string),
    })),
    documents: docs.map((r) => ({
      id: r.id as string,
      folderId: (r.folder_id as string | null) ?? null,
      title: r.title as string,
      tags: (r.tags as string[]) ?? [],
      customFields: (r.custom_fields as Record<string, unknown>) ?? {},
      currentVersionId: r.current_version_id as string,
      trashed: r.trashed_at !== null,
      createdBy: r.created_by as string,
      createdAt: instant(r.created_at as string),
      updatedAt: instant(r.updated_at as string),
      versions: byDoc.get(r.id as string) ?? [],
    })),
    comments: comments.map((r) => ({
      id: r.id as string,
      documentId: r.document_id as string,
      threadId: r.thread_id as string,
      parentId: (r.parent_id as string | null) ?? null,
      authorId: r.author_id as string,
      body: r.body as string,
      anchor: r.anchor ?? null,
      createdAt: instant(r.created_at as string),
      resolved: r.resolved_at !== null,
      deleted: r.deleted_at !== null,
    })),
    grants: grants.map((r) => ({
      id: r.id as string,
      resourceType: r.resource_type as string,
      resourceId: r.resource_id as string,
      principalType: r.principal_type as string,
      principalId: r.principal_id as string,
      role: r.role as string,
      createdBy: r.created_by as string,
      createdAt: instant(r.created_at as string),
    })),
    consent: await consentRecords(tx, t, u),
    counts: {},
  };
  manifest.counts = {
    users: manifest.users.length,
    folders: manifest.folders.length,
    documents: manifest.documents.length,
    versions: files.length,
    comments: manifest.comments.length,
    grants: manifest.grants.length,
    activity: activity.length,
  };
  return {
    manifest,
    activity: activity.map((r) => ({
      occurredAt: instant(r.occurred_at as string),
      actorType: r.actor_type as string,
      actorId: r.actor_id as string,
      action: r.action as string,
      resourceType: r.resource_type as string,
      resourceId: (r.resource_id as string | null) ?? null,
      details: r.details ?? {},
    })),
    files,
  };
}

function toVersion(v: Record<string, unknown>): VersionRow {
  return {
    tenantId: v.tenant_id as string,
    id: v.id as string,
    documentId: v.document_id as string,
    number: Number(v.number),
    filename: v.filename as string,
    contentType: v.content_type as string,
    size: Number(v.size),
    sha256: v.sha256 as string,
    blobKey: v.blob_key as string,
    wrappedKey: Buffer.isBuffer(v.wrapped_key)
      ? v.wrapped_key
      : Buffer.from(String(v.wrapped_key).replace(/^\\x/, ''), 'hex'),
    keyRef: v.key_ref as string,
    restoredFrom: (v.restored_from as string | null) ?? null,
    createdBy: v.created_by as string,
    createdAt: new Date(v.created_at as string),
  };
}
