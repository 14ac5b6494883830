import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';
import type { TenantRole } from './types.ts';

/**
 * Identity administration (admins): a user's role and status, their sessions and second
 * factor, offboarding with a transfer of what they own; the tenant's sign-in policy; SSO
 * connections.
 */
export type IdentitySettings = components['schemas']['IdentitySettings'];
export type SsoConnection = components['schemas']['SsoConnection'];
export type CreateSsoConnection = components['schemas']['CreateSsoConnection'];
export type UpdateSsoConnection = components['schemas']['UpdateSsoConnection'];
/** An alert for admins: a stable `code` with its `params`, translated here (`message` is for API users). */
export type IdentityAlert = components['schemas']['IdentityAlert'];

const users = () => queryClient.invalidateQueries({ queryKey: ['users'] });

export async function updateUser(
  id: string,
  change: { role?: TenantRole; status?: 'active' | 'disabled' },
): Promise<void> {
  unwrap(await api.PATCH('/v1/users/{id}', { params: { path: { id } }, body: change }));
  await users();
}

export async function revokeUserSessions(id: string): Promise<number> {
  return unwrap(await api.DELETE('/v1/users/{id}/sessions', { params: { path: { id } } })).revoked;
}

export async function resetUserMfa(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/users/{id}/mfa', { params: { path: { id } } }));
}

export async function offboardUser(id: string, transferTo: string | null) {
  const out = unwrap(
    await api.POST('/v1/users/{id}/offboard', { params: { path: { id } }, body: { transferTo } }),
  );
  await users();
  return out;
}

export function useIdentitySettings(enabled: boolean) {
  return useQuery({
    queryKey: ['identity-settings'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/identity/settings')),
  });
}

export async function saveIdentitySettings(
  change: components['schemas']['UpdateIdentitySettings'],
): Promise<void> {
  const saved = unwrap(await api.PUT('/v1/identity/settings', { body: change }));
  queryClient.setQueryData(['identity-settings'], saved);
}

export function useSsoConnections(enabled: boolean) {
  return useQuery({
    queryKey: ['sso-connections'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/sso/connections')).items,
  });
}

export async function createSsoConnection(input: CreateSsoConnection): Promise<void> {
  unwrap(await api.POST('/v1/sso/connections', { body: input }));
  await queryClient.invalidateQueries({ queryKey: ['sso-connections'] });
}

export async function updateSsoConnection(id: string, change: UpdateSsoConnection): Promise<void> {
  unwrap(await api.PATCH('/v1/sso/connections/{id}', { params: { path: { id } }, body: change }));
  await queryClient.invalidateQueries({ queryKey: ['sso-connections'] });
}

export function useIdentityAlerts(enabled: boolean) {
  return useQuery({
    queryKey: ['identity-alerts'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/v1/identity/alerts')).items,
  });
}

export async function acknowledgeAlert(id: string): Promise<void> {
  unwrap(await api.POST('/v1/identity/alerts/{id}/acknowledge', { params: { path: { id } } }));
  await queryClient.invalidateQueries({ queryKey: ['identity-alerts'] });
}
