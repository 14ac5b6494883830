import { useQuery } from '@tanstack/react-query';
import type { components, paths } from './cell-api';
import { api, queryClient } from './client.ts';
import { ApiError, unwrap } from './errors.ts';

/**
 * External share links (owners): a link to a folder or document for people without an account,
 * with an expiry (within the organisation's policy), a password and a download limit; list,
 * change those, and revoke. The link's secret is shown once, when it is made. Opening a link (`SharedPage`) needs no session: the token travels in
 * the API path the edge logs as `:token`, and in the app's address only after `#` (never sent).
 */
type Resource = { type: 'folder' | 'document'; id: string };

export type ShareLink = components['schemas']['ShareLink'];
/** What a link shows to anyone holding it (no session): a password prompt, a document or a folder page. */
export type SharedView = components['schemas']['SharedView'];
export type SharedDocument = components['schemas']['SharedDocument'];
/** A request for access, with the requester's name (owners see it, never the email). */
export type AccessRequest = components['schemas']['AccessRequest'];

const key = (r: Resource) => ['share-links', r.type, r.id] as const;

/** The organisation's link policy (plan and flags): how long a link may live. */
export type LinkPolicy =
  paths['/v1/share-links']['get']['responses'][200]['content']['application/json']['policy'];

export function useShareLinks(r: Resource, enabled: boolean) {
  return useQuery({
    queryKey: key(r),
    enabled,
    queryFn: async () => {
      const page = unwrap(
        await api.GET('/v1/share-links', { params: { query: { resourceType: r.type, resourceId: r.id } } }),
      );
      return { items: page.items, policy: page.policy };
    },
  });
}

/**
 * The app's address of a link: the token after `#`, so it never reaches a server log. The cell
 * answers it (`url`) on the hostname the request came through; this origin otherwise.
 */
const shareUrl = (token: string) => `${location.origin}/shared#${token}`;

export async function createShareLink(
  r: Resource,
  o: { expiresAt?: string; password?: string; maxDownloads?: number },
): Promise<{ link: ShareLink; url: string }> {
  const created = unwrap(
    await api.POST('/v1/share-links', { body: { resourceType: r.type, resourceId: r.id, ...o } }),
  );
  await queryClient.invalidateQueries({ queryKey: key(r) });
  return { link: created, url: created.url ?? shareUrl(created.token) };
}

/**
 * Changes a link's expiry, password (null removes it) or download limit (null removes it); the
 * next request through the link sees it. A revoked link cannot be changed (409).
 */
export async function updateShareLink(
  r: Resource,
  id: string,
  change: { expiresAt?: string; password?: string | null; maxDownloads?: number | null },
): Promise<void> {
  unwrap(await api.PATCH('/v1/share-links/{id}', { params: { path: { id } }, body: change }));
  await queryClient.invalidateQueries({ queryKey: key(r) });
}

export async function revokeShareLink(r: Resource, id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/share-links/{id}', { params: { path: { id } } }));
  await queryClient.invalidateQueries({ queryKey: key(r) });
}

/** The typed client without the session's token: a link is opened by whoever holds it. */
async function publicPost(path: string, body: unknown): Promise<Response> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res;
}

export async function openShared(
  token: string,
  o: { password?: string; folderId?: string } = {},
): Promise<SharedView> {
  if (!o.password && !o.folderId) {
    const res = await fetch(`/v1/share/${encodeURIComponent(token)}`, { credentials: 'omit' });
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
    return (await res.json()) as SharedView;
  }
  return (await (await publicPost(`/v1/share/${encodeURIComponent(token)}/open`, o)).json()) as SharedView;
}

export async function downloadShared(
  token: string,
  o: { password?: string; documentId?: string; filename: string },
): Promise<void> {
  const res = await publicPost(`/v1/share/${encodeURIComponent(token)}/content`, {
    ...(o.password ? { password: o.password } : {}),
    ...(o.documentId ? { documentId: o.documentId } : {}),
  });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = o.filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Access requests: anyone may ask (202 whether or not the item exists), as a viewer; owners decide. */
export async function requestAccess(r: Resource, message?: string): Promise<void> {
  unwrap(
    await api.POST('/v1/access-requests', {
      body: { resourceType: r.type, resourceId: r.id, ...(message ? { message } : {}) },
    }),
  );
}

export function useAccessRequests(resourceId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['access-requests', resourceId],
    enabled,
    queryFn: async () =>
      unwrap(await api.GET('/v1/access-requests', { params: { query: { status: 'pending', resourceId } } }))
        .items,
  });
}

export async function decideAccessRequest(req: AccessRequest, grant: boolean): Promise<void> {
  const params = { params: { path: { id: req.id } } };
  unwrap(
    grant
      ? await api.POST('/v1/access-requests/{id}/grant', params)
      : await api.POST('/v1/access-requests/{id}/decline', params),
  );
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: ['access-requests', req.resourceId] }),
    queryClient.invalidateQueries({ queryKey: ['grants', req.resourceType, req.resourceId] }),
  ]);
}
