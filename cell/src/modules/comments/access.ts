import { NotFound } from '@quire/shared/errors';
import type { GrantRole } from '@quire/shared/tenancy';
import type { ActorRecord } from '../../auth/actor.ts';
import type { Resource } from '../../auth/policy.ts';
import { authorize } from '../../auth/policy.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import type { DocumentRow } from '../documents/repo.ts';
import { loadDocument } from '../documents/resource.ts';
import { type CommentRow, findComment } from './repo.ts';

export interface CommentAccess {
  comment: CommentRow;
  doc: DocumentRow;
  resource: Resource;
  role: GrantRole;
}

/**
 * A comment is visible exactly when its document is: a comment of a document the caller cannot
 * read (or of another tenant) is not found, like the document itself.
 */
export async function loadComment(
  tx: Tx,
  tenantId: string,
  actor: ActorRecord,
  id: string,
): Promise<CommentAccess> {
  const comment = await findComment(tx, tenantId, id);
  const missing = () => new NotFound('comment', { resourceType: 'comment', resourceId: id });
  if (!comment) throw missing();
  const { doc, resource } = await loadDocument(tx, tenantId, comment.documentId).catch(() => {
    throw missing();
  });
  const role = await authorize(tx, actor, 'read', resource).catch((e) => {
    throw e instanceof NotFound ? missing() : e;
  });
  return { comment, doc, resource, role };
}
