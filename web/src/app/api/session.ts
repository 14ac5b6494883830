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

async function adopt(pair: Pair): Promise<Current> {
  const next: Current = {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
    me: current?.me ?? null,
  };
  remember(pair.refreshToken);
  if (!next.me) {
    const me = await bare.GET('/v1/me', { headers: { authorization: `Bearer ${pair.accessToken}` } });
    next.me = unwrap(me) as Me;
  }
  current = next;
  emit();
  return next;
}

export async function signIn(email: string, password: string): Promise<void> {
  const pair = unwrap(await bare.POST('/v1/auth/login', { body: { email, password } }));
  current = null;
  await adopt(pair);
}

export function signOut(): void {
  // Identity will add POST /v1/auth/logout (revoking the session); until then the tokens are dropped.
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
    return adopt(unwrap(res));
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
