import type { GrantRole } from '@quire/shared/tenancy';
import { type ActorRecord, actingFor } from '../../auth/actor.ts';
import { nameOf } from '../../auth/display-names.ts';
import { commentAbilities } from './policy.ts';
import type { CommentRow, Mention } from './repo.ts';

export function presentComment(
  c: CommentRow,
  mentions: Mention[],
  actor: ActorRecord,
  role: GrantRole,
  names: Map<string, string>,
) {
  const deleted = c.deletedAt !== null;
  return {
    id: c.id,
    documentId: c.documentId,
    threadId: c.threadId,
    parentId: c.parentId,
    authorId: c.authorId,
    authorName: nameOf(names, c.authorId),
    body: deleted ? null : c.body,
    mentions: deleted ? [] : mentions,
    anchor: c.anchor ?? null,
    revision: c.revision,
    createdAt: c.createdAt.toISOString(),
    editedAt: c.editedAt ? c.editedAt.toISOString() : null,
    deletedAt: c.deletedAt ? c.deletedAt.toISOString() : null,
    resolvedAt: c.resolvedAt ? c.resolvedAt.toISOString() : null,
    resolvedBy: c.resolvedBy,
    abilities: commentAbilities(actor, role, c),
  };
}

/** What a live push carries: the comment without the caller-specific abilities. */
export function presentPushed(c: CommentRow, mentions: Mention[], names: Map<string, string>) {
  const { abilities: _, ...rest } = presentComment(
    c,
    mentions,
    actingFor({ userId: '', role: 'viewer', principalIds: [] }),
    'viewer',
    names,
  );
  return rest;
}

/** A short plain excerpt for notifications and mails: markers become names. */
export function excerpt(body: string, mentions: Mention[], max = 160): string {
  const names = new Map(mentions.map((m) => [m.id, m.name]));
  const plain = body
    .replace(/@\[((?:usr|grp)_[0-9a-z]{25})\]/g, (_, id: string) => `@${names.get(id) ?? 'someone'}`)
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}
