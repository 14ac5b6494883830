import { newId } from '@quire/shared/ids';
import { totpCode } from '../../cell/src/modules/identity/mfa/totp.ts';
import { call, type TestCell, type TestUser } from './harness.ts';

export { totpCode };

/** Cookies a response set, by name (value and the raw attribute string). */
export function setCookies(
  res: Response | { headers: Headers },
): Map<string, { value: string; raw: string }> {
  const out = new Map<string, { value: string; raw: string }>();
  for (const raw of res.headers.getSetCookie()) {
    const [pair] = raw.split(';');
    const i = pair!.indexOf('=');
    out.set(pair!.slice(0, i).trim(), { value: decodeURIComponent(pair!.slice(i + 1)), raw });
  }
  return out;
}

export const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

export const asUser = (tenantId: string, userId: string, token: string): TestUser => ({
  tenantId,
  userId,
  token,
  headers: { authorization: `Bearer ${token}` },
});

/** POST /v1/auth/login; returns status and body (a token pair or an MFA challenge). */
export async function loginRaw(cell: TestCell, tenantId: string, email: string, password: string) {
  return call(cell, null, 'POST', '/v1/auth/login', { tenantId, email, password });
}

/** A user with a password, added by an admin; returns their email too. */
export async function addUser(
  cell: TestCell,
  admin: TestUser,
  role: 'viewer' | 'editor' | 'admin',
  password = 'a long enough password',
) {
  const email = `${role}-${newId('user').slice(-10)}@example.test`;
  const res = await call(cell, admin, 'POST', '/v1/users', { email, name: `A ${role}`, role, password });
  if (res.status !== 201) throw new Error(`user create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { email, password, userId: res.body.id as string };
}

/** Enrols TOTP from a session; returns the secret and recovery codes. */
export async function enrolTotp(cell: TestCell, user: TestUser) {
  const started = await call(cell, user, 'POST', '/v1/me/mfa/totp');
  if (started.status !== 200) throw new Error(`enrol: ${started.status} ${JSON.stringify(started.body)}`);
  const secret = started.body.secret as string;
  const confirmed = await call(cell, user, 'POST', '/v1/me/mfa/totp/confirm', { code: totpCode(secret) });
  if (confirmed.status !== 200)
    throw new Error(`confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

/**
 * A code for a later time step than any used so far (TOTP codes work once per step; the
 * verifier accepts one step ahead). `steps` 1 = the next step.
 */
export const futureCode = (secret: string, steps = 1) => totpCode(secret, Date.now() + steps * 30_000);

/** Logs in with password and TOTP; returns the session as a TestUser. */
export async function loginWithTotp(
  cell: TestCell,
  tenantId: string,
  email: string,
  password: string,
  code: string,
) {
  const first = await loginRaw(cell, tenantId, email, password);
  if (first.status !== 200 || !first.body.mfaRequired)
    throw new Error(`expected an MFA challenge: ${first.status} ${JSON.stringify(first.body)}`);
  const second = await call(cell, null, 'POST', '/v1/auth/mfa/verify', {
    mfaToken: first.body.mfaToken,
    code,
  });
  if (second.status !== 200) throw new Error(`verify: ${second.status} ${JSON.stringify(second.body)}`);
  const me = await call(cell, asUser(tenantId, '', second.body.accessToken), 'GET', '/v1/me');
  return {
    user: asUser(tenantId, me.body.userId, second.body.accessToken),
    refreshToken: second.body.refreshToken as string,
  };
}
