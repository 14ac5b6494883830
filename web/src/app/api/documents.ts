import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, authorisedFetch, queryClient } from './client.ts';
import { ApiError, unwrap } from './errors.ts';
import { invalidateFolders } from './folders.ts';
import type { DocumentSummary, Version } from './types.ts';

/** Documents: metadata, versions and rollback, download, preview, trash. Uploads: uploads.ts. */
export const documentKeys = {
  all: ['documents'] as const,
  detail: (id: string) => ['documents', id] as const,
  versions: (id: string) => ['documents', id, 'versions'] as const,
  trash: ['documents', 'trash'] as const,
};

export function useDocument(id: string) {
  return useQuery({
    queryKey: documentKeys.detail(id),
    queryFn: async () => unwrap(await api.GET('/v1/documents/{id}', { params: { path: { id } } })),
  });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: documentKeys.versions(id),
    queryFn: async () => {
      const page = unwrap(await api.GET('/v1/documents/{id}/versions', { params: { path: { id } } }));
      return page.items;
    },
  });
}

async function changed(id: string) {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: documentKeys.detail(id) }),
    invalidateFolders(),
  ]);
}

export async function updateDocument(
  id: string,
  patch: { title?: string; tags?: string[]; folderId?: string | null },
): Promise<DocumentSummary> {
  const doc = unwrap(await api.PATCH('/v1/documents/{id}', { params: { path: { id } }, body: patch }));
  await changed(id);
  return doc as unknown as DocumentSummary;
}

export async function restoreVersion(id: string, versionId: string): Promise<void> {
  unwrap(
    await api.POST('/v1/documents/{id}/versions/{versionId}/restore', {
      params: { path: { id, versionId } },
    }),
  );
  await changed(id);
}

export async function trashDocument(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/documents/{id}', { params: { path: { id } } }));
  await Promise.all([changed(id), queryClient.invalidateQueries({ queryKey: documentKeys.trash })]);
}

export async function restoreDocument(id: string): Promise<void> {
  unwrap(await api.POST('/v1/documents/{id}/restore', { params: { path: { id } } }));
  await Promise.all([changed(id), queryClient.invalidateQueries({ queryKey: documentKeys.trash })]);
}

export async function deletePermanently(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/documents/{id}/permanent', { params: { path: { id } } }));
  queryClient.removeQueries({ queryKey: documentKeys.detail(id) });
  await queryClient.invalidateQueries({ queryKey: documentKeys.trash });
}

export function useTrash() {
  return useInfiniteQuery({
    queryKey: documentKeys.trash,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: { nextCursor?: string | null }) => last.nextCursor ?? undefined,
    queryFn: async ({ pageParam }) => {
      const page = unwrap(
        await api.GET('/v1/trash', {
          params: { query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      );
      return { items: page.items as unknown as DocumentSummary[], nextCursor: page.nextCursor ?? null };
    },
  });
}

/**
 * Downloads a version with the Authorization header (no token in a URL), then hands the browser
 * the bytes under the version's file name. Cookie sessions will allow a plain link instead.
 */
export async function download(id: string, version: Pick<Version, 'id' | 'filename'>): Promise<void> {
  const res = await authorisedFetch(
    `/v1/documents/${encodeURIComponent(id)}/content?versionId=${version.id}`,
  );
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = version.filename;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

export type PreviewState = { state: 'loading' } | { state: 'ready'; url: string } | { state: 'none' };

/**
 * The PNG preview the worker renders after an upload: polled while the version's extraction is
 * pending (it appears within seconds), an object URL once there, `none` for types without one.
 */
export function usePreview(id: string, version: Version | undefined): PreviewState {
  const [state, setState] = useState<PreviewState>({ state: 'loading' });
  const versionId = version?.id;
  const expected = version ? version.extraction.preview || version.extraction.status === 'pending' : false;
  useEffect(() => {
    if (!versionId) return;
    let url: string | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = async (tries: number) => {
      try {
        const res = await authorisedFetch(
          `/v1/documents/${encodeURIComponent(id)}/preview?versionId=${versionId}`,
        );
        const blob = await res.blob();
        if (stopped) return;
        url = URL.createObjectURL(blob);
        setState({ state: 'ready', url });
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 404 && expected && tries < 30) {
          timer = setTimeout(() => void attempt(tries + 1), 1000);
          return;
        }
        setState({ state: 'none' });
      }
    };
    setState({ state: 'loading' });
    void attempt(0);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, versionId, expected]);
  return state;
}
