import createClient from 'openapi-fetch';
import { useSyncExternalStore } from 'react';
import type { paths } from './cell-api';
import { unwrap } from './errors.ts';

/**
 * The browser session until cookie sessions (with CSRF) land: the access token lives in memory
 * only, never in localStorage and never in a URL; the refresh token is kept in sessionStorage
 * (this tab only, gone when the tab closes) so a reload signs back in. Refreshes rotate the
 * refresh token and are single-flight: the cell revokes a session whose refresh token is used
 * twice, so two parallel refreshes must never happen. When identity adds cookie sessions, this
 * module becomes "ask /v1/me" and the rest of the app does not change.
 */
const REFRESH_KEY = 'quire.refresh';
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

export interface Me {
  userId: string;
  tenantId: string;
  cell: string;
  roles: string[];
}

interface Current {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  me: Me | null;
}

type Pair = { accessToken: string; refreshToken: string; expiresIn: number };

/** The unauthenticated client: login and refresh only. */
const bare = createClient<paths>({ baseUrl: location.origin });

let current: Current | null = null;
let refreshing: Promise<Current | null> | null = null;
const listeners = new Set<() => void>();
let version = 0;

function emit() {
  version++;
  for (const l of listeners) l();
}

function remember(refreshToken: string | null) {
  try {
    if (refreshToken) sessionStorage.setItem(REFRESH_KEY, refreshToken);
    else sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

/**
 * Who the token says the user is (the claims GET /v1/me answers with), read from the token the
 * cell just issued: one round trip less on every sign-in and reload. For display only; every
 * request is still authorised by the edge and the cell.
 */
function claimsOf(accessToken: string): Me | null {
  try {
    const part = accessToken.split('.')[1] ?? '';
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const c = JSON.parse(json) as { sub?: unknown; tid?: unknown; cell?: unknown; roles?: unknown };
    if (typeof c.sub !== 'string' || typeof c.tid !== 'string' || typeof c.cell !== 'string') return null;
    if (!Array.isArray(c.roles) || !c.roles.every((r) => typeof r === 'string')) return null;
    return { userId: c.sub, tenantId: c.tid, cell: c.cell, roles: c.roles as string[] };
  } catch {
    return null;
  }
}

async function adopt(pair: Pair): Promise<Current> {
  const next: Current = {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
    me: null,
  };
  remember(pair.refreshToken);
  next.me = claimsOf(pair.accessToken) ?? next.me;
  if (!next.me) {
    const me = await bare.GET('/v1/me', { headers: { authorization: `Bearer ${pair.accessToken}` } });
    next.me = unwrap(me) as Me;
  }
  current = next;
  emit();
  return next;
}

/** A sign-in the cell answered with a second-factor challenge instead of a session. */
export class SecondFactorRequired extends Error {
  readonly mfaToken: string;
  readonly enrollmentRequired: boolean;
  constructor(mfaToken: string, enrollmentRequired: boolean) {
    super('second factor required');
    this.mfaToken = mfaToken;
    this.enrollmentRequired = enrollmentRequired;
  }
}

/** This app asks for bearer sessions (`session: 'token'`): the answer is a token pair. */
function asPair<T extends object>(answer: T): Pair {
  if (!('accessToken' in answer) || !('refreshToken' in answer)) throw new Error('unexpected session answer');
  return answer as unknown as Pair;
}

export async function signIn(email: string, password: string): Promise<void> {
  const answer = unwrap(await bare.POST('/v1/auth/login', { body: { email, password, session: 'token' } }));
  if ('mfaRequired' in answer) throw new SecondFactorRequired(answer.mfaToken, answer.enrollmentRequired);
  current = null;
  await adopt(asPair(answer));
}

/** The second step of a sign-in: a TOTP code (or a recovery code) for the challenge. */
export async function verifySecondFactor(mfaToken: string, code: string): Promise<void> {
  const body = /^\d{6}$/.test(code) ? { mfaToken, code } : { mfaToken, recoveryCode: code };
  const answer = unwrap(await bare.POST('/v1/auth/mfa/verify', { body }));
  current = null;
  await adopt(asPair(answer));
}

export function signOut(): void {
  // Ends the session at the cell too (best effort: the tokens are dropped here either way).
  const token = current?.accessToken;
  if (token)
    void bare.POST('/v1/auth/logout', { headers: { authorization: `Bearer ${token}` } }).catch(() => {});
  current = null;
  remember(null);
  emit();
}

function refresh(): Promise<Current | null> {
  refreshing ??= (async () => {
    let token: string | null = current?.refreshToken ?? null;
    if (!token) {
      try {
        token = sessionStorage.getItem(REFRESH_KEY);
      } catch {
        token = null;
      }
    }
    if (!token) return null;
    const res = await bare.POST('/v1/auth/refresh', { body: { refreshToken: token } });
    if (!res.response.ok) {
      signOut();
      return null;
    }
    return adopt(asPair(unwrap(res)));
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A valid access token (refreshed shortly before it expires), or null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (current && current.expiresAt - Date.now() > EARLY_MS) return current.accessToken;
  if (!current && !refreshing) return null;
  return (await refresh())?.accessToken ?? null;
}

/** On boot: a refresh token of this tab signs back in. */
export async function restore(): Promise<boolean> {
  return (await refresh().catch(() => null)) !== null;
}

export function me(): Me | null {
  return current?.me ?? null;
}

export const isAdmin = (m: Me | null) => !!m?.roles.includes('admin');

export function useMe(): Me | null {
  useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
  return current?.me ?? null;
}
