import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { ApiError, unwrap } from './errors.ts';
import { grant } from './grants.ts';

/**
 * Comments on a document: threads (a top comment and its replies), edits with history, delete,
 * resolve/reopen, and mentions (`@[usr_…]`, `@[grp_…]`) suggested by the cell.
 */
export type Comment = components['schemas']['Comment'];
/** Where a comment points: a version, a page of it, a range of its extracted text (and the text it covered). */
export type CommentAnchor = NonNullable<components['schemas']['CommentAnchor']>;
export interface MentionSuggestion {
  id: string;
  name: string;
  marker: string;
  email?: string;
  canRead?: boolean | null;
  type: 'user' | 'group';
}
/** A 409 `mention_without_access`: who cannot read the document, and whether the author may share it. */
export interface MentionRefusal {
  users: { id: string; name: string }[];
  groups: { id: string; name: string; membersWithoutAccess: number }[];
  canShare: boolean;
  share: {
    grants: {
      resourceType: 'document';
      resourceId: string;
      role: 'viewer';
      principalType: 'user' | 'group';
      principalId: string;
    }[];
  } | null;
}

const key = (documentId: string) => ['comments', documentId] as const;

export function useComments(documentId: string) {
  return useQuery({
    queryKey: key(documentId),
    queryFn: async () => {
      const items: Comment[] = [];
      let cursor: string | undefined;
      // A document's comments, oldest first; a few pages at most in practice.
      for (let page = 0; page < 10; page++) {
        const res = unwrap(
          await api.GET('/v1/documents/{id}/comments', {
            params: { path: { id: documentId }, query: { status: 'all', limit: 100, cursor } },
          }),
        );
        items.push(...res.items);
        if (!res.nextCursor) break;
        cursor = res.nextCursor;
      }
      return items;
    },
  });
}

const refresh = (documentId: string) =>
  Promise.all([
    queryClient.invalidateQueries({ queryKey: key(documentId) }),
    queryClient.invalidateQueries({ queryKey: ['activity', 'document', documentId] }),
  ]);

/** The refusal of a comment whose mentions reach someone without access, else null. */
export function mentionRefusal(err: unknown): MentionRefusal | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  const d = err.details as ({ reason?: string } & MentionRefusal) | undefined;
  return d?.reason === 'mention_without_access' ? d : null;
}

export async function addComment(
  documentId: string,
  body: string,
  o: { parentId?: string; anchor?: CommentAnchor } = {},
): Promise<Comment> {
  const c = unwrap(
    await api.POST('/v1/documents/{id}/comments', {
      params: { path: { id: documentId } },
      body: {
        body,
        ...(o.parentId ? { parentId: o.parentId } : {}),
        ...(o.anchor ? { anchor: o.anchor } : {}),
      },
    }),
  );
  await refresh(documentId);
  return c;
}

export async function editComment(c: Comment, body: string): Promise<void> {
  unwrap(await api.PATCH('/v1/comments/{id}', { params: { path: { id: c.id } }, body: { body } }));
  await refresh(c.documentId);
}

export async function deleteComment(c: Comment): Promise<void> {
  unwrap(await api.DELETE('/v1/comments/{id}', { params: { path: { id: c.id } } }));
  await refresh(c.documentId);
}

export async function setResolved(c: Comment, resolved: boolean): Promise<void> {
  const params = { params: { path: { id: c.id } } };
  unwrap(
    resolved
      ? await api.POST('/v1/comments/{id}/resolve', params)
      : await api.POST('/v1/comments/{id}/reopen', params),
  );
  await refresh(c.documentId);
}

export function useCommentHistory(id: string | null) {
  return useQuery({
    queryKey: ['comment-history', id],
    enabled: !!id,
    queryFn: async () =>
      unwrap(await api.GET('/v1/comments/{id}/history', { params: { path: { id: id ?? '' } } })).items,
  });
}

/** People and groups to mention, for the text after an `@` (the body carries it, not the URL). */
export async function suggestMentions(documentId: string, q: string): Promise<MentionSuggestion[]> {
  const res = unwrap(await api.POST('/v1/mentions/suggest', { body: { q, documentId, limit: 8 } }));
  return [
    ...res.users.map((u) => ({ ...u, type: 'user' as const })),
    ...res.groups.map((g) => ({ ...g, type: 'group' as const })),
  ];
}

/** Shares the document with those a refused mention named (the grants the cell proposed). */
export async function shareForMention(refusal: MentionRefusal): Promise<void> {
  for (const g of refusal.share?.grants ?? [])
    await grant({ type: 'document', id: g.resourceId }, { type: g.principalType, id: g.principalId }, g.role);
}
