import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';

/**
 * SCIM provisioning tokens (admins): tokens of their own kind (not API tokens with a scope),
 * usable only on `/scim/v2`, for the organisation's identity provider to create, update and
 * deactivate users and groups. The token is shown once, when made; revoked, it stops at once.
 */
export type ScimToken = components['schemas']['ScimToken'];

const KEY = ['scim-tokens'] as const;

export function useScimTokens(enabled: boolean) {
  return useQuery({
    queryKey: KEY,
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/scim/tokens')).items,
  });
}

export async function createScimToken(
  name: string,
  expiresInDays: number,
): Promise<ScimToken & { token: string }> {
  const created = unwrap(await api.POST('/v1/scim/tokens', { body: { name, expiresInDays } }));
  await queryClient.invalidateQueries({ queryKey: KEY });
  return created;
}

export async function revokeScimToken(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/scim/tokens/{id}', { params: { path: { id } } }));
  await queryClient.invalidateQueries({ queryKey: KEY });
}

/** The SCIM base URL the identity provider is given (this organisation's hostname). */
export const scimBaseUrl = () => `${location.origin}/scim/v2`;
