import { useQuery } from '@tanstack/react-query';
import type { components } from './cell-api';
import { api, queryClient } from './client.ts';
import { unwrap } from './errors.ts';
import { signOut } from './session.ts';

/**
 * The signed-in person's own sessions and credentials: sessions (revoke one, log out
 * everywhere), personal API tokens (the secret shown once), two-factor sign-in (TOTP with
 * recovery codes, shown once).
 */
export type Session = components['schemas']['Session'];
export type ApiToken = components['schemas']['ApiToken'];
export type TokenScope = components['schemas']['CreateApiToken']['scopes'][number];

export function useSessions() {
  return useQuery({
    queryKey: ['me', 'sessions'],
    queryFn: async () => unwrap(await api.GET('/v1/me/sessions')).items,
  });
}

export async function revokeSession(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/me/sessions/{id}', { params: { path: { id } } }));
  await queryClient.invalidateQueries({ queryKey: ['me', 'sessions'] });
}

/** Ends every session of this person, this one included: back to sign-in. */
export async function logoutEverywhere(): Promise<number> {
  const { revoked } = unwrap(await api.POST('/v1/auth/logout-all'));
  signOut();
  return revoked;
}

export function useApiTokens() {
  return useQuery({
    queryKey: ['me', 'api-tokens'],
    queryFn: async () => unwrap(await api.GET('/v1/me/api-tokens')).items,
  });
}

/** A new token: its secret is in this answer only. */
export async function createApiToken(input: {
  name: string;
  scopes: TokenScope[];
  expiresInDays: number;
}): Promise<string> {
  const created = unwrap(await api.POST('/v1/me/api-tokens', { body: input }));
  await queryClient.invalidateQueries({ queryKey: ['me', 'api-tokens'] });
  return created.token;
}

export async function revokeApiToken(id: string): Promise<void> {
  unwrap(await api.DELETE('/v1/me/api-tokens/{id}', { params: { path: { id } } }));
  await queryClient.invalidateQueries({ queryKey: ['me', 'api-tokens'] });
}

export function useMfa() {
  return useQuery({ queryKey: ['me', 'mfa'], queryFn: async () => unwrap(await api.GET('/v1/me/mfa')) });
}

/** Starts a TOTP enrolment: the secret and its otpauth URI, to confirm with a first code. */
export async function startTotp(): Promise<{ secret: string; otpauthUri: string }> {
  return unwrap(await api.POST('/v1/me/mfa/totp'));
}

/** Confirms the enrolment with a code: the recovery codes, shown once. */
export async function confirmTotp(code: string): Promise<string[]> {
  const { recoveryCodes } = unwrap(await api.POST('/v1/me/mfa/totp/confirm', { body: { code } }));
  await queryClient.invalidateQueries({ queryKey: ['me', 'mfa'] });
  return recoveryCodes;
}

export async function newRecoveryCodes(code: string): Promise<string[]> {
  const { recoveryCodes } = unwrap(await api.POST('/v1/me/mfa/recovery-codes', { body: { code } }));
  await queryClient.invalidateQueries({ queryKey: ['me', 'mfa'] });
  return recoveryCodes;
}

export async function removeMfa(code: string): Promise<void> {
  unwrap(await api.POST('/v1/me/mfa/remove', { body: { code } }));
  await queryClient.invalidateQueries({ queryKey: ['me', 'mfa'] });
}
