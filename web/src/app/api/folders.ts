import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';
import type { Child, Folder, FolderDetail } from './types.ts';

/** Folders: the tree, a folder's contents (subfolders then documents, paged), create, rename, delete. */
export type FolderRef = string | 'root';
const PAGE = 200;

export const folderKeys = {
  all: ['folders'] as const,
  detail: (id: string) => ['folders', 'detail', id] as const,
  children: (id: FolderRef) => ['folders', 'children', id] as const,
};

async function childrenPage(id: FolderRef, cursor: string | undefined) {
  const page = unwrap(
    await api.GET('/v1/folders/{id}/children', {
      params: { path: { id }, query: { limit: PAGE, ...(cursor ? { cursor } : {}) } },
    }),
  );
  return { items: page.items as unknown as Child[], nextCursor: page.nextCursor };
}

export function useChildren(id: FolderRef) {
  return useInfiniteQuery({
    queryKey: folderKeys.children(id),
    queryFn: ({ pageParam }) => childrenPage(id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useFolder(id: string | null) {
  return useQuery({
    queryKey: folderKeys.detail(id ?? 'root'),
    enabled: id !== null,
    queryFn: async () =>
      unwrap(await api.GET('/v1/folders/{id}', { params: { path: { id: id! } } })) as FolderDetail,
  });
}

/**
 * The subfolders of a folder for the tree. Folders come first in a listing, so its pages load
 * until the first document: the same query as the folder's own list (one request when both show).
 */
export function useSubfolders(id: FolderRef, enabled: boolean) {
  const q = useInfiniteQuery({
    queryKey: folderKeys.children(id),
    queryFn: ({ pageParam }) => childrenPage(id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  const more = q.hasNextPage && items[items.length - 1]?.kind === 'folder';
  useEffect(() => {
    if (more && !q.isFetchingNextPage) void q.fetchNextPage();
  }, [more, q.isFetchingNextPage, q.fetchNextPage]);
  return {
    isPending: q.isPending,
    data: q.data
      ? items.filter((i): i is Extract<Child, { kind: 'folder' }> => i.kind === 'folder')
      : undefined,
  };
}

export const invalidateFolders = () => queryClient.invalidateQueries({ queryKey: folderKeys.all });

export async function createFolder(name: string, parentId: string | null): Promise<Folder> {
  const folder = unwrap(await api.POST('/v1/folders', { body: { name, parentId } }));
  await invalidateFolders();
  return folder;
}

export async function renameFolder(id: string, name: string): Promise<Folder> {
  const folder = unwrap(await api.PATCH('/v1/folders/{id}', { params: { path: { id } }, body: { name } }));
  await invalidateFolders();
  return folder;
}

export async function deleteFolder(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/folders/{id}', { params: { path: { id } } }));
  await invalidateFolders();
}

/** A folder and everything under it to the trash (restored together). */
export async function trashFolder(id: string) {
  const out = unwrap(await api.POST('/v1/folders/{id}/trash', { params: { path: { id } } }));
  await Promise.all([invalidateFolders(), queryClient.invalidateQueries({ queryKey: ['trash-folders'] })]);
  return out;
}

export async function restoreFolder(id: string): Promise<void> {
  unwrap(await api.POST('/v1/folders/{id}/restore', { params: { path: { id } } }));
  await Promise.all([invalidateFolders(), queryClient.invalidateQueries({ queryKey: ['trash-folders'] })]);
}

export function useTrashedFolders() {
  return useQuery({
    queryKey: ['trash-folders'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/trash/folders', { params: { query: { limit: 100 } } })).items,
  });
}
