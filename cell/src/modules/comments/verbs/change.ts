import { Conflict, Forbidden, QuireError } from '@quire/shared/errors';
import { displayNames } from '../../../auth/display-names.ts';
import { allows } from '../../../auth/policy.ts';
import type { RequestCtx } from '../../../context.ts';
import { documentChannel, publishLive } from '../../../live/bus.ts';
import { withActor } from '../../../unit-of-work.ts';
import { queueCommentIndex, ringSearch } from '../../changes/outbox.ts';
import { deliver, notify } from '../../notifications/notify.ts';
import { dispatch, emitEvent } from '../../webhooks/events.ts';
import { loadComment } from '../access.ts';
import { mentionsWithoutAccess, resolveMentions } from '../mentions.ts';
import { commentAbilities } from '../policy.ts';
import { excerpt, presentComment, presentPushed } from '../presenter.ts';
import { clearMentions, editComment, insertMentions, markDeleted, mentionsOf, setResolved } from '../repo.ts';

/**
 * Edits keep the replaced text as a revision. Mentions are resolved again: a new one that would
 * reach someone who cannot read the document is refused as on creation; newly mentioned people
 * are notified, people mentioned before are not told twice.
 */
export async function editCommentText({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; body: string };
}) {
  const tenantId = ctx.tenant.id;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { comment, doc, resource, role } = await loadComment(tx, tenantId, actor, input.id);
    if (comment.deletedAt) throw new Conflict('comment is deleted');
    if (!commentAbilities(actor, role, comment).edit)
      throw new Forbidden('only its author can edit a comment', {
        resourceType: 'comment',
        resourceId: comment.id,
      });
    const resolved = await resolveMentions(tx, tenantId, input.body);
    const refused = await mentionsWithoutAccess(tx, tenantId, resolved, resource);
    if (refused) {
      audit({
        action: 'comment.mention_refused',
        resourceType: 'document',
        resourceId: doc.id,
        details: {
          commentId: comment.id,
          userIds: refused.users.map((u) => u.id),
          groupIds: refused.groups.map((g) => g.id),
        },
      });
      return { refused, canShare: allows(role, 'manage') } as const;
    }
    const before = new Set((await mentionsOf(tx, tenantId, [comment.id])).get(comment.id)?.map((m) => m.id));
    const saved = await editComment(tx, comment, resolved.body, actor.userId);
    await clearMentions(tx, tenantId, comment.id);
    await insertMentions(tx, tenantId, comment.id, resolved.mentions);
    const fresh = resolved.mentions.filter((m) => !before.has(m.id));
    const freshUsers = new Set(fresh.filter((m) => m.type === 'user').map((m) => m.id));
    for (const m of fresh)
      if (m.type === 'group') for (const u of resolved.groupsById.get(m.id)?.userIds ?? []) freshUsers.add(u);
    freshUsers.delete(actor.userId);
    const data = {
      documentId: doc.id,
      documentTitle: doc.title,
      commentId: comment.id,
      threadId: comment.threadId,
      excerpt: excerpt(saved.body, resolved.mentions),
    };
    const notified = await notify(
      tx,
      ctx.deps,
      tenantId,
      [...freshUsers].map((userId) => ({
        userId,
        kind: 'mention',
        actorId: actor.userId,
        resourceType: 'document',
        resourceId: doc.id,
        data,
      })),
    );
    audit({
      action: 'comment.edited',
      resourceType: 'document',
      resourceId: doc.id,
      details: { commentId: comment.id, revision: saved.revision },
    });
    // Last: the outbox insert takes the tenant's doorbell row lock, held until the commit.
    await queueCommentIndex(tx, tenantId, doc.id, 'comment.edited');
    const names = await displayNames(tx, tenantId, [saved.authorId]);
    return {
      comment: presentComment(saved, resolved.mentions, actor, role, names),
      pushed: presentPushed(saved, resolved.mentions, names),
      notified,
      documentId: doc.id,
    } as const;
  });
  if ('refused' in out && out.refused) {
    throw new QuireError('conflict', 'some of the people you mentioned cannot read this document', {
      reason: 'mention_without_access',
      users: out.refused.users,
      groups: out.refused.groups,
      canShare: out.canShare,
    });
  }
  ringSearch(ctx.deps);
  deliver(ctx.deps, out.notified);
  publishLive(ctx.deps.redis, documentChannel(tenantId, out.documentId), {
    type: 'comment.updated',
    documentId: out.documentId,
    comment: out.pushed,
  });
  return out.comment;
}

/** The author, or an owner of the document, deletes: the comment stays in its thread as deleted. */
export async function deleteComment({ ctx, input }: { ctx: RequestCtx; input: { id: string } }) {
  const tenantId = ctx.tenant.id;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { comment, doc, role } = await loadComment(tx, tenantId, actor, input.id);
    if (comment.deletedAt) throw new Conflict('comment is already deleted');
    if (!commentAbilities(actor, role, comment).delete)
      throw new Forbidden('only its author or an owner of the document can delete a comment', {
        resourceType: 'comment',
        resourceId: comment.id,
      });
    const saved = await markDeleted(tx, comment, actor.userId);
    audit({
      action: 'comment.deleted',
      resourceType: 'document',
      resourceId: doc.id,
      details: { commentId: comment.id, byAuthor: comment.authorId === actor.userId },
    });
    const emitted = await emitEvent(tx, tenantId, 'comment.deleted', {
      documentId: doc.id,
      commentId: comment.id,
    });
    await queueCommentIndex(tx, tenantId, doc.id, 'comment.deleted');
    const names = await displayNames(tx, tenantId, [saved.authorId]);
    return {
      comment: presentComment(saved, [], actor, role, names),
      pushed: presentPushed(saved, [], names),
      documentId: doc.id,
      emitted,
    };
  });
  ringSearch(ctx.deps);
  dispatch(ctx.deps, out.emitted);
  publishLive(ctx.deps.redis, documentChannel(tenantId, out.documentId), {
    type: 'comment.updated',
    documentId: out.documentId,
    comment: out.pushed,
  });
  return out.comment;
}

/** Resolving (or reopening) applies to a thread: only on its first comment. */
export async function setCommentResolved({
  ctx,
  input,
}: {
  ctx: RequestCtx;
  input: { id: string; resolved: boolean };
}) {
  const tenantId = ctx.tenant.id;
  const out = await withActor(ctx, async ({ tx, actor, audit }) => {
    const { comment, doc, role } = await loadComment(tx, tenantId, actor, input.id);
    if (comment.threadId !== comment.id) throw new Conflict('a thread is resolved on its first comment');
    if (!commentAbilities(actor, role, comment).resolve)
      throw new Forbidden("only the thread's author or an editor can resolve it", {
        resourceType: 'comment',
        resourceId: comment.id,
      });
    if ((comment.resolvedAt !== null) === input.resolved)
      throw new Conflict(input.resolved ? 'thread is already resolved' : 'thread is not resolved');
    const saved = await setResolved(tx, comment, input.resolved ? actor.userId : null);
    audit({
      action: input.resolved ? 'comment.resolved' : 'comment.reopened',
      resourceType: 'document',
      resourceId: doc.id,
      details: { commentId: comment.id },
    });
    const mentions = (await mentionsOf(tx, tenantId, [comment.id])).get(comment.id) ?? [];
    const names = await displayNames(tx, tenantId, [saved.authorId]);
    return {
      comment: presentComment(saved, mentions, actor, role, names),
      pushed: presentPushed(saved, mentions, names),
      documentId: doc.id,
    };
  });
  publishLive(ctx.deps.redis, documentChannel(tenantId, out.documentId), {
    type: 'comment.updated',
    documentId: out.documentId,
    comment: out.pushed,
  });
  return out.comment;
}
