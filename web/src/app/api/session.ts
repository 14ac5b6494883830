import createClient from 'openapi-fetch';
import { useSyncExternalStore } from 'react';
import type { paths } from './cell-api';
import { ApiError, unwrap } from './errors.ts';

/**
 * The browser session, of one of two kinds; the rest of the app never tells them apart (it asks
 * `authHeaders()` for what a request carries, `liveProtocols()` for the WebSocket).
 *
 * - **bearer** (email and password, break-glass): the access token lives in memory only, the
 *   refresh token in sessionStorage (this tab, gone when it closes) so a reload signs back in.
 *   Refreshes rotate the refresh token and are single-flight: the cell revokes a session whose
 *   refresh token is used twice.
 * - **cookie** (single sign-on): the cell's SSO callback answers the browser with HttpOnly
 *   cookies (`__Host-quire_at`, and the refresh token on `/v1/auth/` only), so the page never
 *   holds a token at all. It holds the session's CSRF token (the readable `__Host-quire_csrf`
 *   cookie) and sends it in `x-csrf-token`. Tabs share the cookies, so a refresh is taken under
 *   a Web Lock and its expiry is kept in localStorage (a time, not a credential): the tab that
 *   comes second finds it fresh and does not spend the refresh token again.
 *
 * Nothing is ever put in localStorage but that time, nor in a URL.
 */
const REFRESH_KEY = 'quire.refresh';
/** How this tab's bearer session was signed in, when it matters (break-glass): not a secret. */
const METHOD_KEY = 'quire.method';
/** When the shared cookie session's access cookie expires (ms since the epoch). */
const COOKIE_EXPIRY_KEY = 'quire.cookie-session.expires';
const CSRF_COOKIE = '__Host-quire_csrf';
const LOCK = 'quire.session-refresh';
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

export interface Me {
  userId: string;
  tenantId: string;
  cell: string;
  roles: string[];
}

export type SignInMethod = 'password' | 'break_glass' | 'sso';

type Current =
  | { kind: 'bearer'; accessToken: string; refreshToken: string; expiresAt: number; me: Me }
  | { kind: 'cookie'; csrfToken: string; expiresAt: number; me: Me };

type Pair = { accessToken: string; refreshToken: string; expiresIn: number };
type CookieAnswer = { tokenType: 'cookie'; csrfToken: string; expiresIn: number };

/** The unauthenticated client: sign-in, second factor, refresh. */
const bare = createClient<paths>({ baseUrl: location.origin });

let current: Current | null = null;
let method: SignInMethod | null = null;
let refreshing: Promise<Current | null> | null = null;
const listeners = new Set<() => void>();
let version = 0;

function emit() {
  version++;
  for (const l of listeners) l();
}

function store(area: 'session' | 'local', key: string, value: string | null) {
  try {
    const s = area === 'session' ? sessionStorage : localStorage;
    if (value === null) s.removeItem(key);
    else s.setItem(key, value);
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

function stored(area: 'session' | 'local', key: string): string | null {
  try {
    return (area === 'session' ? sessionStorage : localStorage).getItem(key);
  } catch {
    return null;
  }
}

function csrfCookie(): string | null {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

/** Who the cell says the caller is (GET /v1/me), with the credential given. */
async function whoAmI(headers: Record<string, string>): Promise<Me> {
  const me = unwrap(await bare.GET('/v1/me', { headers }));
  return { userId: me.userId, tenantId: me.tenantId, cell: me.cell, roles: me.roles };
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

function settle(next: Current): Current {
  current = next;
  emit();
  return next;
}

async function adoptPair(pair: Pair): Promise<Current> {
  store('session', REFRESH_KEY, pair.refreshToken);
  const me = claimsOf(pair.accessToken) ?? (await whoAmI({ authorization: `Bearer ${pair.accessToken}` }));
  return settle({
    kind: 'bearer',
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresAt: Date.now() + pair.expiresIn * 1000,
    me,
  });
}

async function adoptCookie(answer: { csrfToken: string; expiresIn: number }): Promise<Current> {
  const expiresAt = Date.now() + answer.expiresIn * 1000;
  store('local', COOKIE_EXPIRY_KEY, String(expiresAt));
  const me = await whoAmI({ 'x-csrf-token': answer.csrfToken });
  return settle({ kind: 'cookie', csrfToken: answer.csrfToken, expiresAt, me });
}

/** A session answer of the cell: a token pair (this app's bearer sign-ins) or cookies (after SSO). */
function adopt(answer: object): Promise<Current> {
  if ('accessToken' in answer && 'refreshToken' in answer) return adoptPair(answer as Pair);
  if ('tokenType' in answer && answer.tokenType === 'cookie') return adoptCookie(answer as CookieAnswer);
  throw new Error('unexpected session answer');
}

function remember(m: SignInMethod | null) {
  method = m;
  store('session', METHOD_KEY, m === 'break_glass' ? m : null);
}

/** A sign-in the cell answered with a second-factor challenge instead of a session. */
export class SecondFactorRequired extends Error {
  /** null after SSO: the challenge is in an HttpOnly cookie the cell set with its redirect. */
  readonly mfaToken: string | null;
  readonly enrollmentRequired: boolean;
  readonly method: SignInMethod;
  constructor(mfaToken: string | null, enrollmentRequired: boolean, method: SignInMethod) {
    super('second factor required');
    this.mfaToken = mfaToken;
    this.enrollmentRequired = enrollmentRequired;
    this.method = method;
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  const answer = unwrap(await bare.POST('/v1/auth/login', { body: { email, password, session: 'token' } }));
  if ('mfaRequired' in answer)
    throw new SecondFactorRequired(answer.mfaToken, answer.enrollmentRequired, 'password');
  current = null;
  remember('password');
  await adopt(answer);
}

/**
 * Break-glass (while the organisation's SSO is unavailable): a break-glass account's password,
 * then always its second factor. The session is short and ends when SSO is back.
 */
export async function breakGlassSignIn(email: string, password: string): Promise<void> {
  const answer = unwrap(
    await bare.POST('/v1/auth/break-glass', { body: { email, password, session: 'token' } }),
  );
  if ('mfaRequired' in answer)
    throw new SecondFactorRequired(answer.mfaToken, answer.enrollmentRequired, 'break_glass');
  current = null;
  remember('break_glass');
  await adopt(answer);
}

/**
 * The second step of a sign-in: a TOTP code (or a recovery code) for the challenge. After an
 * enrolment during the sign-in, the answer also carries the new recovery codes (shown once).
 */
export async function verifySecondFactor(
  challenge: SecondFactorRequired,
  code: string,
): Promise<string[] | null> {
  const token = challenge.mfaToken ? { mfaToken: challenge.mfaToken } : {};
  const body = /^\d{6}$/.test(code) ? { ...token, code } : { ...token, recoveryCode: code };
  const answer = unwrap(await bare.POST('/v1/auth/mfa/verify', { body }));
  current = null;
  remember(challenge.method);
  await adopt(answer);
  return answer.recoveryCodes ?? null;
}

/** A sign-in that requires a second factor the user lacks: a TOTP secret to enrol, then verify a code. */
export async function enrolDuringSignIn(
  challenge: SecondFactorRequired,
): Promise<{ secret: string; otpauthUri: string }> {
  const body = challenge.mfaToken ? { mfaToken: challenge.mfaToken } : {};
  return unwrap(await bare.POST('/v1/auth/mfa/enroll', { body }));
}

/** The identity providers of this organisation, and whether it takes passwords (before sign-in). */
export async function signInOptions() {
  return unwrap(await bare.GET('/v1/auth/options', { params: { query: {} } }));
}

/** App paths the cell accepts to land on after SSO (others land on the start page). */
const RETURN_TO = /^\/(?![/\\])[A-Za-z0-9/_.-]{0,200}$/;

/**
 * Starts single sign-on: the cell answers where the identity provider is (and binds the round
 * trip to this browser with a cookie); the browser goes there and comes back through the cell's
 * callback, which sets the session cookies and sends it to `returnTo` (or to `/login/mfa` when
 * a second factor is owed). Errors (an IdP that does not answer: 503) are thrown to the page.
 */
export async function startSso(connectionId: string, returnTo: string): Promise<void> {
  const query = RETURN_TO.test(returnTo) ? `?returnTo=${encodeURIComponent(returnTo)}` : '';
  const res = await fetch(`/v1/auth/sso/${encodeURIComponent(connectionId)}/start${query}`, {
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const { location: to } = (await res.json()) as { location: string };
  location.assign(to);
}

/** The challenge the cell keeps in a cookie after an SSO round trip that owes a second factor. */
export const ssoChallenge = () => new SecondFactorRequired(null, false, 'sso');

/** Forgets a cookie session here: without its CSRF token the HttpOnly cookies left are of no use. */
function dropCsrfCookie() {
  // biome-ignore lint/suspicious/noDocumentCookie: the one cookie the page may touch (the Cookie Store API is not in every browser)
  document.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/; Secure`;
}

function forget() {
  current = null;
  remember(null);
  store('session', REFRESH_KEY, null);
  store('local', COOKIE_EXPIRY_KEY, null);
  emit();
}

/**
 * Logs a cookie session out at the cell (which clears the cookies in its answer), refreshing
 * first if the access cookie has just expired. The CSRF cookie is dropped here in any case, so
 * the next boot does not pick the session up again even when the cell could not be reached.
 */
async function endCookieSession(csrfToken: string): Promise<void> {
  const headers = { 'x-csrf-token': csrfToken };
  const logout = () => fetch('/v1/auth/logout', { method: 'POST', headers });
  try {
    const res = await logout();
    if (res.status === 401) {
      const refreshed = await exclusively(() => fetch('/v1/auth/refresh', { method: 'POST', headers }));
      if (refreshed.ok) await logout();
    }
  } finally {
    dropCsrfCookie();
  }
}

export function signOut(): void {
  // Ends the session at the cell too (best effort: it is forgotten here either way).
  const was = current;
  if (was?.kind === 'bearer')
    void bare
      .POST('/v1/auth/logout', { headers: { authorization: `Bearer ${was.accessToken}` } })
      .catch(() => {});
  if (was?.kind === 'cookie') void endCookieSession(was.csrfToken).catch(() => {});
  forget();
}

/** Under a lock every tab of this origin shares (Web Locks), or directly where there are none. */
async function exclusively<T>(work: () => Promise<T>): Promise<T> {
  if (!navigator.locks) return work();
  return navigator.locks.request(LOCK, work) as Promise<T>;
}

async function refreshBearer(token: string): Promise<Current | null> {
  const res = await bare.POST('/v1/auth/refresh', { body: { refreshToken: token } });
  if (!res.response.ok) return null;
  return adoptPair(unwrap(res) as Pair);
}

/**
 * A cookie session's refresh: the refresh cookie goes to /v1/auth/refresh by itself, with the
 * CSRF token in the header. Under the lock, a fresh expiry another tab wrote means it is done.
 */
function refreshCookie(csrfToken: string, me: Me | null): Promise<Current | null> {
  return exclusively(async () => {
    const shared = Number(stored('local', COOKIE_EXPIRY_KEY) ?? 0);
    if (me && shared - Date.now() > EARLY_MS)
      return settle({ kind: 'cookie', csrfToken, expiresAt: shared, me });
    const res = await fetch('/v1/auth/refresh', { method: 'POST', headers: { 'x-csrf-token': csrfToken } });
    if (!res.ok) return null;
    return adoptCookie((await res.json()) as CookieAnswer);
  });
}

function refresh(): Promise<Current | null> {
  refreshing ??= (async () => {
    const was = current;
    const next =
      was?.kind === 'cookie'
        ? await refreshCookie(was.csrfToken, was.me)
        : await (async () => {
            const token = was?.kind === 'bearer' ? was.refreshToken : stored('session', REFRESH_KEY);
            return token ? refreshBearer(token) : null;
          })();
    if (!next) forget();
    return next;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A live session (refreshed shortly before its access token expires), or null when signed out. */
async function live(): Promise<Current | null> {
  if (current && current.expiresAt - Date.now() > EARLY_MS) return current;
  if (!current && !refreshing) return null;
  return refresh();
}

/** What an API request carries: the bearer token, or (cookie session) the CSRF token beside the cookie. */
export async function authHeaders(): Promise<Record<string, string>> {
  const s = await live();
  if (s?.kind === 'bearer') return { authorization: `Bearer ${s.accessToken}` };
  if (s?.kind === 'cookie') return { 'x-csrf-token': s.csrfToken };
  return {};
}

/**
 * The WebSocket's subprotocols: the bearer token as `quire.bearer.<token>` (a browser cannot set
 * headers on a socket), or none for a cookie session (the cookie goes along, same origin).
 */
export async function liveProtocols(): Promise<string[] | null> {
  const s = await live();
  if (!s) return null;
  return s.kind === 'bearer' ? ['quire.v1', `quire.bearer.${s.accessToken}`] : ['quire.v1'];
}

/** A fresh token for an open socket; a cookie session's socket reconnects instead (null). */
export async function liveToken(): Promise<string | null> {
  const s = await live();
  return s?.kind === 'bearer' ? s.accessToken : null;
}

/**
 * On boot: this tab's refresh token signs back in (bearer); else a cookie session (an SSO
 * landing, or another tab's) is picked up: refreshed when its expiry is unknown or near, then
 * GET /v1/me. A CSRF cookie whose session is gone is dropped, so the next boot does not ask.
 */
export async function restore(): Promise<boolean> {
  method = (stored('session', METHOD_KEY) as SignInMethod | null) ?? null;
  if (stored('session', REFRESH_KEY)) return (await refresh().catch(() => null)) !== null;
  const csrf = csrfCookie();
  if (!csrf) return false;
  const resumed = await resumeCookie(csrf).catch(() => null);
  if (resumed) {
    method ??= 'sso';
    return true;
  }
  // The session is gone (revoked, expired): signed out, and its CSRF cookie with it.
  dropCsrfCookie();
  store('local', COOKIE_EXPIRY_KEY, null);
  return false;
}

async function resumeCookie(csrfToken: string): Promise<Current | null> {
  const shared = Number(stored('local', COOKIE_EXPIRY_KEY) ?? 0);
  if (shared - Date.now() > EARLY_MS) {
    const me = await whoAmI({}).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    });
    if (me) return settle({ kind: 'cookie', csrfToken, expiresAt: shared, me });
  }
  return refreshCookie(csrfToken, null);
}

export function me(): Me | null {
  return current?.me ?? null;
}

/** How this session was signed in, as far as this tab knows (break-glass shows a banner). */
export const signInMethod = (): SignInMethod | null => (current ? method : null);

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
