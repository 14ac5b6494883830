import { useQuery } from '@tanstack/react-query';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';
import type { Group, TenantRole, User } from './types.ts';

/** Users and groups of the tenant (admins). */
export function useUsers(enabled = true) {
  return useQuery({
    queryKey: ['users'],
    enabled,
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET('/v1/users')).items,
  });
}

export async function createUser(input: {
  email: string;
  name: string;
  role: TenantRole;
  password?: string;
}): Promise<User> {
  const user = unwrap(await api.POST('/v1/users', { body: input }));
  await queryClient.invalidateQueries({ queryKey: ['users'] });
  return user;
}

export async function createGroup(name: string): Promise<Group> {
  return unwrap(await api.POST('/v1/groups', { body: { name } }));
}

export async function setMember(groupId: string, userId: string, member: boolean): Promise<void> {
  const params = { params: { path: { id: groupId, userId } } };
  unwrap(
    member
      ? await api.PUT('/v1/groups/{id}/members/{userId}', params)
      : await api.DELETE('/v1/groups/{id}/members/{userId}', params),
  );
}
