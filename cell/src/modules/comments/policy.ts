import { Forbidden } from '@quire/shared/errors';
import type { GrantRole } from '@quire/shared/tenancy';
import type { ActorRecord } from '../../auth/actor.ts';
import { allows } from '../../auth/policy.ts';
import type { TenantRecord } from '../../context.ts';
import type { CommentRow } from './repo.ts';

/**
 * Who may do what with comments, given the caller's role on the document (already checked to
 * be at least read: otherwise the document, and its comments, are not found).
 *
 * - Comment or reply: anyone who can read, unless the tenant's flag
 *   `comments.viewers_can_comment` is false; then editors and owners only.
 * - Edit: the author only. Delete: the author, or an owner of the document (moderation).
 * - Resolve or reopen a thread: its author, or anyone who can edit the document.
 */
export function viewersMayComment(tenant: TenantRecord): boolean {
  return tenant.flags['comments.viewers_can_comment'] !== false;
}

export function canComment(tenant: TenantRecord, role: GrantRole): boolean {
  return viewersMayComment(tenant) ? allows(role, 'read') : allows(role, 'write');
}

export function assertCanComment(tenant: TenantRecord, role: GrantRole, documentId: string): void {
  if (!canComment(tenant, role))
    throw new Forbidden("your organisation's policy lets only editors comment", {
      resourceType: 'document',
      resourceId: documentId,
    });
}

export function commentAbilities(actor: ActorRecord, role: GrantRole, c: CommentRow) {
  const live = c.deletedAt === null;
  const own = c.authorId === actor.userId;
  return {
    edit: live && own,
    delete: live && (own || allows(role, 'manage')),
    resolve: c.threadId === c.id && live && (own || allows(role, 'write')),
  };
}
