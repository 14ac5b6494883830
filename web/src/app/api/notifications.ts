import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * The signed-in person's notifications (mentions, replies, shares, access requests, bulk jobs),
 * read/unread, and preferences per kind. New ones arrive over the live channel, which
 * invalidates these queries (`api/live.ts`).
 */
export type Notification = components['schemas']['Notification'];
export type NotificationPreference = components['schemas']['NotificationPreference'];

export function useUnreadCount(enabled: boolean) {
  return useQuery({
    queryKey: ['notifications', 'unread-count'],
    enabled,
    staleTime: 30_000,
    refetchInterval: 120_000,
    queryFn: async () =>
      unwrap(await api.GET('/v1/notifications', { params: { query: { unread: 'true', limit: 1 } } }))
        .unreadCount,
  });
}

export function useNotifications(unreadOnly: boolean) {
  return useInfiniteQuery({
    queryKey: ['notifications', 'list', unreadOnly],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: { nextCursor: string | null }) => last.nextCursor ?? undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/v1/notifications', {
          params: {
            query: { cursor: pageParam, limit: 25, ...(unreadOnly ? { unread: 'true' as const } : {}) },
          },
        }),
      ),
  });
}

const refresh = () => queryClient.invalidateQueries({ queryKey: ['notifications'] });

export async function setRead(id: string, read: boolean): Promise<void> {
  const params = { params: { path: { id } } };
  unwrap(
    read
      ? await api.POST('/v1/notifications/{id}/read', params)
      : await api.POST('/v1/notifications/{id}/unread', params),
  );
  await refresh();
}

export async function readAll(): Promise<void> {
  unwrap(await api.POST('/v1/notifications/read-all'));
  await refresh();
}

export function usePreferences() {
  return useQuery({
    queryKey: ['notification-preferences'],
    queryFn: async () => unwrap(await api.GET('/v1/notifications/preferences')).items,
  });
}

export async function savePreferences(items: NotificationPreference[]): Promise<void> {
  const saved = unwrap(await api.PUT('/v1/notifications/preferences', { body: { items } }));
  queryClient.setQueryData(['notification-preferences'], saved.items);
}
