import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * Browser sessions (the web app): the access token and the refresh token live in cookies the
 * page's scripts cannot read (`HttpOnly; Secure`), so an XSS cannot carry them off; state
 * changes made with the cookie need the session's CSRF token in `x-csrf-token` (a value bound
 * to the session, `TokenService.csrfToken`), which a cross-site form cannot know.
 *
 * - `__Host-quire_at`   access token, `SameSite=Lax`, `Path=/`, 15 minutes
 * - `__Secure-quire_rt` refresh token, `SameSite=Strict`, `Path=/v1/auth/` (sent to refresh/logout only)
 * - `__Host-quire_csrf` the CSRF token, readable by the page (not a credential on its own)
 * - `__Host-quire_mfa`  a pending second-factor challenge after an SSO redirect, `SameSite=Strict`, 5 minutes
 * - `__Host-quire_sso`  binds an SSO round trip to the browser that started it (`SameSite=None`: the
 *   SAML response comes back as a cross-site POST)
 */
export const ACCESS_COOKIE = '__Host-quire_at';
export const REFRESH_COOKIE = '__Secure-quire_rt';
export const CSRF_COOKIE = '__Host-quire_csrf';
export const MFA_COOKIE = '__Host-quire_mfa';
export const SSO_COOKIE = '__Host-quire_sso';
export const CSRF_HEADER = 'x-csrf-token';
const REFRESH_PATH = '/v1/auth/';

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface BrowserSession {
  accessToken: string;
  refreshToken: string;
  csrfToken: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export function setSessionCookies(c: Context, s: BrowserSession): void {
  setCookie(c, ACCESS_COOKIE, s.accessToken, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: s.accessTtlSeconds,
  });
  setCookie(c, REFRESH_COOKIE, s.refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: REFRESH_PATH,
    maxAge: s.refreshTtlSeconds,
  });
  setCookie(c, CSRF_COOKIE, s.csrfToken, {
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: s.refreshTtlSeconds,
  });
}

export function clearSessionCookies(c: Context): void {
  deleteCookie(c, ACCESS_COOKIE, { path: '/', secure: true });
  deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_PATH, secure: true });
  deleteCookie(c, CSRF_COOKIE, { path: '/', secure: true });
}

export function setMfaCookie(c: Context, challenge: string, ttlSeconds: number): void {
  setCookie(c, MFA_COOKIE, challenge, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: ttlSeconds,
  });
}

export function clearMfaCookie(c: Context): void {
  deleteCookie(c, MFA_COOKIE, { path: '/', secure: true });
}

export function setSsoCookie(c: Context, binding: string, ttlSeconds: number): void {
  setCookie(c, SSO_COOKIE, binding, {
    httpOnly: true,
    secure: true,
    sameSite: 'None',
    path: '/',
    maxAge: ttlSeconds,
  });
}

export function readCookie(c: Context, name: string): string | undefined {
  const value = getCookie(c, name);
  return value && value.length <= 4096 ? value : undefined;
}
