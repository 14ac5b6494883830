import { useInfiniteQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api } from './client.ts';
import { unwrap } from './errors.ts';

/** What happened to a document or folder (from the audit trail, for whoever can read it), newest first. */
export type ActivityEntry = components['schemas']['ActivityEntry'];

export function useActivity(resource: { type: 'document' | 'folder'; id: string }) {
  return useInfiniteQuery({
    queryKey: ['activity', resource.type, resource.id],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: { nextCursor: string | null }) => last.nextCursor ?? undefined,
    queryFn: async ({ pageParam }) => {
      const query = { cursor: pageParam, limit: 25 };
      return resource.type === 'document'
        ? unwrap(
            await api.GET('/v1/documents/{id}/activity', { params: { path: { id: resource.id }, query } }),
          )
        : unwrap(
            await api.GET('/v1/folders/{id}/activity', { params: { path: { id: resource.id }, query } }),
          );
    },
  });
}
