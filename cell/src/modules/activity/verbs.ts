import { sql } from 'drizzle-orm';
import { authorize, pgArray } from '../../auth/policy.ts';
import type { RequestCtx } from '../../context.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { withActor } from '../../unit-of-work.ts';
import { loadDocument } from '../documents/resource.ts';
import { loadFolder } from '../folders/resource.ts';

/**
 * The activity feed: a presenter over the audit trail (read, never written here). Only the
 * actions a collaborator cares about, each as a verb, with the details that explain it; never
 * the address or user agent (the audit log itself is for admins).
 */
export const FEED_VERBS = [
  'viewed',
  'downloaded',
  'created',
  'edited',
  'commented',
  'shared',
  'moved',
  'trashed',
  'restored',
] as const;
const VERBS: Record<string, (typeof FEED_VERBS)[number]> = {
  'document.viewed': 'viewed',
  'document.previewed': 'viewed',
  'folder.viewed': 'viewed',
  'share_link.accessed': 'viewed',
  'document.downloaded': 'downloaded',
  'share_link.downloaded': 'downloaded',
  'document.uploaded': 'created',
  'folder.created': 'created',
  'document.updated': 'edited',
  'document.version_uploaded': 'edited',
  'folder.renamed': 'edited',
  'comment.created': 'commented',
  'comment.edited': 'commented',
  'comment.deleted': 'commented',
  'comment.resolved': 'commented',
  'comment.reopened': 'commented',
  'grant.created': 'shared',
  'grant.revoked': 'shared',
  'share_link.created': 'shared',
  'share_link.updated': 'shared',
  'share_link.revoked': 'shared',
  'access_request.granted': 'shared',
  'access_request.declined': 'shared',
  'document.moved': 'moved',
  'folder.moved': 'moved',
  'document.trashed': 'trashed',
  'folder.trashed': 'trashed',
  'document.restored': 'restored',
  'document.version_restored': 'restored',
  'folder.restored': 'restored',
};
export const FEED_ACTIONS = Object.keys(VERBS);

/** Details worth showing, per key; everything else an entry holds stays in the audit log. */
const SHOWN_DETAILS = new Set([
  'commentId',
  'threadId',
  'parentId',
  'versionId',
  'from',
  'to',
  'changed',
  'principalId',
  'role',
  'grantId',
  'linkId',
  'expiresAt',
  'requestId',
  'restoredFrom',
  'filename',
]);

/** A folder feed covers the folder, its subfolders and at most this many of its documents (most recently changed). */
const FOLDER_DOCUMENTS = 1000;

type Row = {
  id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  details: Record<string, unknown>;
};

async function feed(tx: Tx, tenantId: string, ids: string[], before: string | undefined, limit: number) {
  const rows = await tx.execute<Row>(sql`
    select a.id::text, a.occurred_at, a.actor_type, a.actor_id, u.name as actor_name, a.action,
           a.resource_type, a.resource_id, a.details
    from audit_log a
    left join users u on u.tenant_id = a.tenant_id and u.id = a.actor_id
    where a.tenant_id = ${tenantId} and a.resource_id = any(${pgArray(ids)}::text[])
      and a.action = any(${pgArray(FEED_ACTIONS)}::text[])
      ${before ? sql`and a.id < ${before}::bigint` : sql``}
    order by a.id desc
    limit ${limit + 1}`);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => {
      const viaLink = r.actor_id === 'anonymous' && typeof r.details.linkId === 'string';
      return {
        id: r.id,
        at: new Date(r.occurred_at).toISOString(),
        verb: VERBS[r.action]!,
        action: r.action,
        actor: viaLink
          ? { type: 'link', id: r.details.linkId as string, name: null }
          : { type: r.actor_type, id: r.actor_id, name: r.actor_name },
        resourceType: r.resource_type,
        resourceId: r.resource_id,
        details: Object.fromEntries(Object.entries(r.details).filter(([k]) => SHOWN_DETAILS.has(k))),
      };
    }),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

export async function documentActivity({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; cursor?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const { resource } = await loadDocument(tx, ctx.tenant.id, input.id);
      await authorize(tx, actor, 'read', resource);
      return feed(tx, ctx.tenant.id, [input.id], input.cursor, input.limit);
    },
    { readOnly: true },
  );
}

/** The folder, its direct subfolders and documents: whoever can read the folder can read them all. */
export async function folderActivity({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; cursor?: string; limit: number };
}) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      const tenantId = ctx.tenant.id;
      const { resource } = await loadFolder(tx, tenantId, input.id);
      await authorize(tx, actor, 'read', resource);
      const children = await tx.execute<{ id: string }>(sql`
        (select id from folders where tenant_id = ${tenantId} and parent_id = ${input.id})
        union all
        (select id from documents where tenant_id = ${tenantId} and folder_id = ${input.id}
         order by updated_at desc limit ${FOLDER_DOCUMENTS})`);
      return feed(tx, tenantId, [input.id, ...children.map((c) => c.id)], input.cursor, input.limit);
    },
    { readOnly: true },
  );
}
