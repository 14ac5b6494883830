import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { pgArray } from '../../auth/policy.ts';
import { commentMentions, commentRevisions, comments } from '../../db/schema/index.ts';
import type { Tx } from '../../db/tenant-tx.ts';

export type CommentRow = typeof comments.$inferSelect;
export interface Mention {
  type: 'user' | 'group';
  id: string;
  name: string;
}

export async function insertComment(tx: Tx, row: typeof comments.$inferInsert): Promise<CommentRow> {
  const [saved] = await tx.insert(comments).values(row).returning();
  return saved!;
}

export async function findComment(tx: Tx, tenantId: string, id: string): Promise<CommentRow | undefined> {
  const [row] = await tx
    .select()
    .from(comments)
    .where(and(eq(comments.tenantId, tenantId), eq(comments.id, id)));
  return row;
}

/** Comments of a document in id (creation) order, optionally one thread or threads by status. */
export async function listComments(
  tx: Tx,
  tenantId: string,
  documentId: string,
  o: { threadId?: string; status: 'open' | 'resolved' | 'all'; afterId?: string; limit: number },
): Promise<CommentRow[]> {
  const byStatus =
    o.status === 'all'
      ? undefined
      : sql`exists (select 1 from comments r where r.tenant_id = ${comments.tenantId} and r.id = ${comments.threadId}
                    and r.resolved_at is ${o.status === 'open' ? sql`null` : sql`not null`})`;
  return tx
    .select()
    .from(comments)
    .where(
      and(
        eq(comments.tenantId, tenantId),
        eq(comments.documentId, documentId),
        o.threadId ? eq(comments.threadId, o.threadId) : undefined,
        o.afterId ? gt(comments.id, o.afterId) : undefined,
        byStatus,
      ),
    )
    .orderBy(asc(comments.id))
    .limit(o.limit);
}

export async function insertMentions(tx: Tx, tenantId: string, commentId: string, mentions: Mention[]) {
  if (mentions.length === 0) return;
  await tx
    .insert(commentMentions)
    .values(mentions.map((m) => ({ tenantId, commentId, principalType: m.type, principalId: m.id })))
    .onConflictDoNothing();
}

export async function clearMentions(tx: Tx, tenantId: string, commentId: string) {
  await tx
    .delete(commentMentions)
    .where(and(eq(commentMentions.tenantId, tenantId), eq(commentMentions.commentId, commentId)));
}

/** Mentions of these comments with the principals' current names. */
export async function mentionsOf(
  tx: Tx,
  tenantId: string,
  commentIds: string[],
): Promise<Map<string, Mention[]>> {
  const out = new Map<string, Mention[]>();
  if (commentIds.length === 0) return out;
  const rows = await tx.execute<{
    comment_id: string;
    type: 'user' | 'group';
    id: string;
    name: string | null;
  }>(sql`
    select m.comment_id, m.principal_type as type, m.principal_id as id, coalesce(u.name, g.name) as name
    from comment_mentions m
    left join users u on m.principal_type = 'user' and u.tenant_id = m.tenant_id and u.id = m.principal_id
    left join groups g on m.principal_type = 'group' and g.tenant_id = m.tenant_id and g.id = m.principal_id
    where m.tenant_id = ${tenantId} and m.comment_id = any(${pgArray(commentIds)}::text[])
    order by m.comment_id, m.principal_id`);
  for (const r of rows) {
    const list = out.get(r.comment_id) ?? [];
    list.push({ type: r.type, id: r.id, name: r.name ?? '' });
    out.set(r.comment_id, list);
  }
  return out;
}

/** Keeps the replaced text as a revision, then stores the new text. */
export async function editComment(
  tx: Tx,
  c: CommentRow,
  body: string,
  editorId: string,
): Promise<CommentRow> {
  await tx.insert(commentRevisions).values({
    tenantId: c.tenantId,
    commentId: c.id,
    revision: c.revision,
    body: c.body,
    editedBy: editorId,
  });
  const [saved] = await tx
    .update(comments)
    .set({ body, revision: c.revision + 1, editedAt: new Date() })
    .where(and(eq(comments.tenantId, c.tenantId), eq(comments.id, c.id)))
    .returning();
  return saved!;
}

/** Shown as deleted from now on: the text goes, here and in its history. */
export async function markDeleted(tx: Tx, c: CommentRow, by: string): Promise<CommentRow> {
  await tx
    .update(commentRevisions)
    .set({ body: '' })
    .where(and(eq(commentRevisions.tenantId, c.tenantId), eq(commentRevisions.commentId, c.id)));
  await clearMentions(tx, c.tenantId, c.id);
  const [saved] = await tx
    .update(comments)
    .set({ body: '', deletedAt: new Date(), deletedBy: by })
    .where(and(eq(comments.tenantId, c.tenantId), eq(comments.id, c.id)))
    .returning();
  return saved!;
}

export async function setResolved(tx: Tx, c: CommentRow, by: string | null): Promise<CommentRow> {
  const [saved] = await tx
    .update(comments)
    .set(by ? { resolvedAt: new Date(), resolvedBy: by } : { resolvedAt: null, resolvedBy: null })
    .where(and(eq(comments.tenantId, c.tenantId), eq(comments.id, c.id)))
    .returning();
  return saved!;
}

export async function revisionsOf(tx: Tx, tenantId: string, commentId: string) {
  return tx
    .select()
    .from(commentRevisions)
    .where(and(eq(commentRevisions.tenantId, tenantId), eq(commentRevisions.commentId, commentId)))
    .orderBy(asc(commentRevisions.revision));
}

/** Everyone who wrote in a thread (and has not had their comment deleted). */
export async function threadAuthors(tx: Tx, tenantId: string, threadId: string): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ authorId: comments.authorId })
    .from(comments)
    .where(and(eq(comments.tenantId, tenantId), eq(comments.threadId, threadId), isNull(comments.deletedAt)));
  return rows.map((r) => r.authorId);
}

/**
 * The searchable text of documents' comments (live ones; mention markers become names): what
 * the search indexer adds to each document's entry (see modules/comments/README.md).
 */
export async function commentTextOf(
  tx: Tx,
  tenantId: string,
  documentIds: string[],
): Promise<Map<string, string>> {
  if (documentIds.length === 0) return new Map();
  const rows = await tx
    .select({ documentId: comments.documentId, id: comments.id, body: comments.body })
    .from(comments)
    .where(
      and(
        eq(comments.tenantId, tenantId),
        inArray(comments.documentId, documentIds),
        isNull(comments.deletedAt),
      ),
    )
    .orderBy(asc(comments.documentId), asc(comments.id));
  const names = await mentionsOf(
    tx,
    tenantId,
    rows.map((r) => r.id),
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    const byId = new Map((names.get(r.id) ?? []).map((m) => [m.id, m.name]));
    const text = r.body.replace(
      /@\[((?:usr|grp)_[0-9a-z]{25})\]/g,
      (_, id: string) => `@${byId.get(id) ?? ''}`,
    );
    out.set(r.documentId, out.has(r.documentId) ? `${out.get(r.documentId)}\n${text}` : text);
  }
  return out;
}
