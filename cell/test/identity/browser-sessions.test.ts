import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { cookieHeader, setCookies } from '../../../test/support/identity.ts';
import { concretePath, operationsOf } from '../../../test/support/security-matrix.ts';

/**
 * Browser sessions: HttpOnly Secure cookies, a CSRF token on every cookie-authenticated state
 * change, refresh without the refresh token ever reaching a script.
 */
let cell: TestCell;
let t: { tenantId: string; admin: TestUser };
const email = (tenantId: string) => `admin@${tenantId.replace('_', '-')}.test`;
const password = 'correct horse battery staple';

beforeAll(async () => {
  cell = await startTestCell();
  t = await buildTenant(cell);
});
afterAll(async () => cell.close());

async function browserLogin() {
  const res = await cell.app.request('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: t.tenantId, email: email(t.tenantId), password, session: 'cookie' }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { tokenType: string; csrfToken: string; accessToken?: string };
  return { res, body, cookies: setCookies(res) };
}

const withCookies = (jar: Record<string, string>, init: RequestInit = {}, csrf?: string) => ({
  ...init,
  headers: {
    cookie: cookieHeader(jar),
    ...(csrf ? { 'x-csrf-token': csrf } : {}),
    ...(init.body ? { 'content-type': 'application/json' } : {}),
  },
});

describe('cookie sessions', () => {
  it('login sets HttpOnly; Secure; SameSite cookies and returns no token a script could read', async () => {
    const { body, cookies } = await browserLogin();
    expect(body.tokenType).toBe('cookie');
    expect(body.accessToken).toBeUndefined();
    const at = cookies.get('__Host-quire_at')!;
    const rt = cookies.get('__Secure-quire_rt')!;
    const csrf = cookies.get('__Host-quire_csrf')!;
    expect(at.raw).toMatch(/HttpOnly/i);
    expect(at.raw).toMatch(/Secure/i);
    expect(at.raw).toMatch(/SameSite=Lax/i);
    expect(at.raw).toMatch(/Path=\//);
    expect(rt.raw).toMatch(/HttpOnly/i);
    expect(rt.raw).toMatch(/SameSite=Strict/i);
    expect(rt.raw).toMatch(/Path=\/v1\/auth\//);
    expect(csrf.raw).not.toMatch(/HttpOnly/i);
    expect(csrf.value).toBe(body.csrfToken);
  });

  it('reads with the cookie; state changes need the session’s CSRF token', async () => {
    const { body, cookies } = await browserLogin();
    const jar = { '__Host-quire_at': cookies.get('__Host-quire_at')!.value };
    expect((await cell.app.request('/v1/me', withCookies(jar))).status).toBe(200);
    const create = (csrf?: string) =>
      cell.app.request(
        '/v1/folders',
        withCookies(jar, { method: 'POST', body: JSON.stringify({ name: `f${Math.random()}` }) }, csrf),
      );
    const none = await create();
    expect(none.status).toBe(403);
    expect(((await none.json()) as any).error.details.reason).toBe('csrf');
    expect((await create('forged-token-value')).status).toBe(403);
    // Another session's CSRF token does not fit this session.
    const other = await browserLogin();
    expect((await create(other.body.csrfToken)).status).toBe(403);
    expect((await create(body.csrfToken)).status).toBe(201);
  });

  it('every state-changing user route refuses a cookie without the CSRF token (from the OpenAPI document)', async () => {
    const { cookies } = await browserLogin();
    const jar = { '__Host-quire_at': cookies.get('__Host-quire_at')!.value };
    const ops = (await operationsOf(cell)).filter(
      (o) => o.security === 'user' && !['GET', 'HEAD'].includes(o.method),
    );
    expect(ops.length).toBeGreaterThan(15);
    for (const op of ops) {
      const res = await cell.app.request(
        concretePath(op.path),
        withCookies(jar, { method: op.method, body: op.method === 'DELETE' ? undefined : '{}' }),
      );
      expect(res.status, `${op.method} ${op.path}`).toBe(403);
      expect(((await res.json()) as any).error.details?.reason, `${op.method} ${op.path}`).toBe('csrf');
    }
  });

  it('refresh works from the cookie with the CSRF token only, and rotates the cookies', async () => {
    const { body, cookies } = await browserLogin();
    const jar = { '__Secure-quire_rt': cookies.get('__Secure-quire_rt')!.value };
    const refresh = (csrf?: string) =>
      cell.app.request('/v1/auth/refresh', withCookies(jar, { method: 'POST' }, csrf));
    expect((await refresh()).status).toBe(403);
    const ok = await refresh(body.csrfToken);
    expect(ok.status).toBe(200);
    const rotated = setCookies(ok);
    expect(rotated.get('__Secure-quire_rt')!.value).not.toBe(jar['__Secure-quire_rt']);
    expect(((await ok.json()) as any).refreshToken).toBeUndefined();
    // A cookie session's refresh token is refused in a body (it is never meant to reach a script).
    const inBody = await call(cell, null, 'POST', '/v1/auth/refresh', {
      refreshToken: rotated.get('__Secure-quire_rt')!.value,
    });
    expect(inBody.status).toBe(401);
  });

  it('logout revokes the session and clears the cookies', async () => {
    const { body, cookies } = await browserLogin();
    const jar = { '__Host-quire_at': cookies.get('__Host-quire_at')!.value };
    const out = await cell.app.request(
      '/v1/auth/logout',
      withCookies(jar, { method: 'POST' }, body.csrfToken),
    );
    expect(out.status).toBe(204);
    const cleared = setCookies(out);
    expect(cleared.get('__Host-quire_at')!.raw).toMatch(/Max-Age=0/i);
    expect((await cell.app.request('/v1/me', withCookies(jar))).status).toBe(401);
  });
});
