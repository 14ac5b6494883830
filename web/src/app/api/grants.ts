import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';
import type { GrantRole } from './types.ts';

/** Permissions: grants of a role on a folder (inherited below it) or a document, to a user or group. */
type Resource = { type: 'folder' | 'document'; id: string };
const key = (r: Resource) => ['grants', r.type, r.id] as const;

export function useGrants(r: Resource) {
  return useQuery({
    queryKey: key(r),
    queryFn: async () =>
      unwrap(await api.GET('/v1/grants', { params: { query: { resourceType: r.type, resourceId: r.id } } }))
        .items,
  });
}

export async function grant(
  r: Resource,
  principal: { type: 'user' | 'group'; id: string },
  role: GrantRole,
): Promise<void> {
  unwrap(
    await api.POST('/v1/grants', {
      body: {
        resourceType: r.type,
        resourceId: r.id,
        principalType: principal.type,
        principalId: principal.id,
        role,
      },
    }),
  );
  await queryClient.invalidateQueries({ queryKey: key(r) });
}

export async function revoke(r: Resource, grantId: string): Promise<void> {
  unwrap(await api.DELETE('/v1/grants/{id}', { params: { path: { id: grantId } } }));
  await queryClient.invalidateQueries({ queryKey: key(r) });
}
