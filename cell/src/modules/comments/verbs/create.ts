import { Conflict, NotFound, QuireError } from '@quire/shared/errors';
import { newId } from '@quire/shared/ids';
import { displayNames } from '../../../auth/display-names.ts';
import { allows, authorize } from '../../../auth/policy.ts';
import { readersOf } from '../../../auth/readers.ts';
import type { RequestCtx } from '../../../context.ts';
import type { CommentAnchor } from '../../../db/schema/index.ts';
import { documentChannel, publishLive } from '../../../live/bus.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueCommentIndex, ringSearch } from '../../changes/outbox.ts';
import { findVersion } from '../../documents/repo.ts';
import { loadDocument } from '../../documents/resource.ts';
import { deliver, type NotificationInput, notify } from '../../notifications/notify.ts';
import { dispatch, emitEvent } from '../../webhooks/events.ts';
import { mentionsWithoutAccess, resolveMentions } from '../mentions.ts';
import { assertCanComment } from '../policy.ts';
import { excerpt, presentComment, presentPushed } from '../presenter.ts';
import { findComment, insertComment, insertMentions, threadAuthors } from '../repo.ts';

export interface CreateCommentInput {
  documentId: string;
  body: string;
  parentId?: string;
  anchor?: CommentAnchor;
}

/**
 * Adds a comment or a reply. Mentions are resolved here; if one would reach someone who cannot
 * read the document, nothing is posted: the refusal is audited and answered 409 with who lacks
 * access and whether the author may share the document with them (`POST /v1/grants`).
 * Mentioned people and the thread's earlier authors who can read the document are notified.
 */
export async function createComment({ ctx, input }: { ctx: RequestCtx; input: CreateCommentInput }) {
  const tenantId = ctx.tenant.id;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { doc, resource } = await loadDocument(tx, tenantId, input.documentId);
    const role = await authorize(tx, actor, 'read', resource);
    assertCanComment(ctx.tenant, role, doc.id);
    if (doc.trashedAt) throw new Conflict('document is in the trash; restore it first');
    let parent: Awaited<ReturnType<typeof findComment>>;
    if (input.parentId) {
      parent = await findComment(tx, tenantId, input.parentId);
      if (!parent || parent.documentId !== doc.id)
        throw new NotFound('comment', { resourceType: 'comment', resourceId: input.parentId });
      if (parent.deletedAt) throw new Conflict('cannot reply to a deleted comment');
    }
    if (input.anchor?.versionId && !(await findVersion(tx, tenantId, doc.id, input.anchor.versionId)))
      throw new NotFound('version', { resourceType: 'version', resourceId: input.anchor.versionId });

    const resolved = await resolveMentions(tx, tenantId, input.body);
    const refused = await mentionsWithoutAccess(tx, tenantId, resolved, resource);
    if (refused) {
      audit({
        action: 'comment.mention_refused',
        resourceType: 'document',
        resourceId: doc.id,
        details: { userIds: refused.users.map((u) => u.id), groupIds: refused.groups.map((g) => g.id) },
      });
      return { refused, canShare: allows(role, 'manage'), documentId: doc.id } as const;
    }

    const id = newId('comment');
    const row = await insertComment(tx, {
      tenantId,
      id,
      documentId: doc.id,
      threadId: parent?.threadId ?? id,
      parentId: parent?.id ?? null,
      authorId: actor.userId,
      body: resolved.body,
      anchor: input.anchor ?? null,
    });
    await insertMentions(tx, tenantId, id, resolved.mentions);

    const data = {
      documentId: doc.id,
      documentTitle: doc.title,
      commentId: id,
      threadId: row.threadId,
      excerpt: excerpt(row.body, resolved.mentions),
    };
    const notes: NotificationInput[] = resolved.recipients
      .filter((u) => u !== actor.userId)
      .map((userId) => ({
        userId,
        kind: 'mention',
        actorId: actor.userId,
        resourceType: 'document',
        resourceId: doc.id,
        data,
      }));
    if (parent) {
      const mentioned = new Set(resolved.recipients);
      const earlier = (await threadAuthors(tx, tenantId, row.threadId)).filter(
        (u) => u !== actor.userId && !mentioned.has(u),
      );
      const readers = await readersOf(tx, tenantId, earlier, resource);
      for (const userId of earlier) {
        if (readers.get(userId)?.canRead)
          notes.push({
            userId,
            kind: 'reply',
            actorId: actor.userId,
            resourceType: 'document',
            resourceId: doc.id,
            data,
          });
      }
    }
    const notified = await notify(tx, ctx.deps, tenantId, notes);
    const emitted = await emitEvent(tx, tenantId, 'comment.created', {
      documentId: doc.id,
      commentId: id,
      threadId: row.threadId,
      authorId: actor.userId,
    });
    audit({
      action: 'comment.created',
      resourceType: 'document',
      resourceId: doc.id,
      details: {
        commentId: id,
        threadId: row.threadId,
        parentId: row.parentId,
        mentions: resolved.mentions.map((m) => m.id),
      },
    });
    // Last: the outbox insert takes the tenant's doorbell row lock, held until the commit.
    await queueCommentIndex(tx, tenantId, doc.id, 'comment.created');
    const names = await displayNames(tx, tenantId, [row.authorId]);
    return {
      comment: presentComment(row, resolved.mentions, actor, role, names),
      pushed: presentPushed(row, resolved.mentions, names),
      notified,
      emitted,
    } as const;
  });

  if ('refused' in out && out.refused) {
    throw new QuireError('conflict', 'some of the people you mentioned cannot read this document', {
      reason: 'mention_without_access',
      users: out.refused.users,
      groups: out.refused.groups,
      canShare: out.canShare,
      share: out.canShare
        ? {
            method: 'POST',
            path: '/v1/grants',
            grants: [
              ...out.refused.users.map((u) => ({ principalType: 'user', principalId: u.id })),
              ...out.refused.groups.map((g) => ({ principalType: 'group', principalId: g.id })),
            ].map((p) => ({ resourceType: 'document', resourceId: out.documentId, role: 'viewer', ...p })),
          }
        : null,
    });
  }
  ringSearch(ctx.deps);
  deliver(ctx.deps, out.notified);
  dispatch(ctx.deps, out.emitted);
  publishLive(ctx.deps.redis, documentChannel(tenantId, input.documentId), {
    type: 'comment.created',
    documentId: input.documentId,
    comment: out.pushed,
  });
  return out.comment;
}
