import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  login,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import {
  addUser,
  asUser,
  enrolTotp,
  futureCode,
  loginRaw,
  loginWithTotp,
  totpCode,
} from '../../../test/support/identity.ts';

/**
 * TOTP with recovery codes, required by enrolment, by tenant policy or by role, and never
 * bypassed: not by refreshing, not by an API token, not by racing two verifications, not by
 * a session from before the rule.
 */
let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let docId: string;

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  docId = (await uploadDoc(cell, a.admin, 'MFA-protected content')).body.document.id;
});
afterAll(async () => cell.close());

const me = (u: TestUser) => call(cell, u, 'GET', '/v1/me');
const verify = (body: Record<string, unknown>) => call(cell, null, 'POST', '/v1/auth/mfa/verify', body);

describe('enrolment and login', () => {
  it('enrolling from a session confirms with a first code, gives ten recovery codes, and marks this session', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const session = await login(cell, a.tenantId, u.email, u.password);
    const older = await login(cell, a.tenantId, u.email, u.password);
    const { recoveryCodes } = await enrolTotp(cell, session);
    expect(recoveryCodes).toHaveLength(10);
    expect((await me(session)).body.mfa).toBe(true);
    // The other login never passed the factor the user now has: it stops working.
    expect((await me(older)).status).toBe(401);
    const status = await call(cell, session, 'GET', '/v1/me/mfa');
    expect(status.body).toMatchObject({ enrolled: true, recoveryCodesRemaining: 10 });
  });

  it('a password login then owes the code; each code and each recovery code works once', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const { secret, recoveryCodes } = await enrolTotp(
      cell,
      await login(cell, a.tenantId, u.email, u.password),
    );
    const first = await loginRaw(cell, a.tenantId, u.email, u.password);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ mfaRequired: true, enrollmentRequired: false });
    expect(first.body.accessToken).toBeUndefined();
    expect((await verify({ mfaToken: first.body.mfaToken, code: '000000' })).status).toBe(401);
    // The code the enrolment spent is spent: a later step is needed.
    const code = futureCode(secret);
    const ok = await verify({ mfaToken: first.body.mfaToken, code });
    expect(ok.status).toBe(200);
    const user = asUser(a.tenantId, u.userId, ok.body.accessToken);
    expect((await me(user)).body).toMatchObject({ mfa: true });
    // The challenge is spent, and so is the code (replay in a new login).
    expect((await verify({ mfaToken: first.body.mfaToken, code })).status).toBe(401);
    const again = await loginRaw(cell, a.tenantId, u.email, u.password);
    expect((await verify({ mfaToken: again.body.mfaToken, code })).status).toBe(401);
    // A recovery code works once.
    const viaRecovery = await verify({ mfaToken: again.body.mfaToken, recoveryCode: recoveryCodes[0] });
    expect(viaRecovery.status).toBe(200);
    const third = await loginRaw(cell, a.tenantId, u.email, u.password);
    expect((await verify({ mfaToken: third.body.mfaToken, recoveryCode: recoveryCodes[0] })).status).toBe(
      401,
    );
    const sessions = await call(cell, user, 'GET', '/v1/me/sessions');
    expect(sessions.body.items.map((s: { amr: string[] }) => s.amr)).toContainEqual(['pwd', 'kba', 'mfa']);
  });

  it('five wrong codes end the challenge', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const { secret } = await enrolTotp(cell, await login(cell, a.tenantId, u.email, u.password));
    const first = await loginRaw(cell, a.tenantId, u.email, u.password);
    for (let i = 0; i < 5; i++)
      expect((await verify({ mfaToken: first.body.mfaToken, code: '123456' })).status).toBe(401);
    expect((await verify({ mfaToken: first.body.mfaToken, code: futureCode(secret) })).status).toBe(401);
    const audit = await call(cell, a.admin, 'GET', `/v1/audit?action=auth.mfa_failed&limit=100`);
    // Five failures audited; the sixth attempt names a challenge that no longer exists.
    expect(
      audit.body.items.filter((e: { resource: { id: string } }) => e.resource.id === u.userId).length,
    ).toBe(5);
  });

  it('two verifications racing with one challenge and one code: exactly one session', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const { secret } = await enrolTotp(cell, await login(cell, a.tenantId, u.email, u.password));
    const first = await loginRaw(cell, a.tenantId, u.email, u.password);
    const code = futureCode(secret);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => verify({ mfaToken: first.body.mfaToken, code })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('the admin removes a lost factor: the user’s sessions end and they log in with a password again', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const s = await login(cell, a.tenantId, u.email, u.password);
    await enrolTotp(cell, s);
    const reset = await call(cell, a.admin, 'DELETE', `/v1/users/${u.userId}/mfa`);
    expect(reset.status).toBe(200);
    expect(reset.body.removed).toBe(1);
    expect((await me(s)).status).toBe(401);
    expect((await loginRaw(cell, a.tenantId, u.email, u.password)).body.accessToken).toBeTruthy();
  });

  it('removing one’s own factor needs a current code', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const s = await login(cell, a.tenantId, u.email, u.password);
    const { secret } = await enrolTotp(cell, s);
    expect((await call(cell, s, 'POST', '/v1/me/mfa/remove', { code: '000000' })).status).toBe(401);
    expect((await call(cell, s, 'POST', '/v1/me/mfa/remove', { code: futureCode(secret) })).status).toBe(204);
    expect((await call(cell, s, 'GET', '/v1/me/mfa')).body.enrolled).toBe(false);
  });
});

describe('required by policy', () => {
  it('an admin cannot require MFA of admins before passing a second factor themselves', async () => {
    const t = await buildTenant(cell);
    const res = await call(cell, t.admin, 'PUT', '/v1/identity/settings', { mfaRequired: 'admins' });
    expect(res.status).toBe(409);
    expect(res.body.error.details.reason).toBe('mfa_first');
  });

  it('policy "all": sessions and refresh tokens from before stop working; new logins enrol first', async () => {
    const t = await buildTenant(cell);
    const adminEnrol = await enrolTotp(cell, t.admin);
    const u = await addUser(cell, t.admin, 'editor');
    const before = await loginRaw(cell, t.tenantId, u.email, u.password);
    const beforeUser = asUser(t.tenantId, u.userId, before.body.accessToken);
    const doc = (await uploadDoc(cell, beforeUser, 'pre-policy doc')).body.document.id as string;
    const token = await call(cell, beforeUser, 'POST', '/v1/me/api-tokens', {
      name: 'old',
      scopes: ['documents:read'],
    });
    expect(token.status).toBe(201);
    const oldToken = asUser(t.tenantId, u.userId, token.body.token);
    expect((await call(cell, oldToken, 'GET', `/v1/documents/${doc}`)).status).toBe(200);

    const set = await call(cell, t.admin, 'PUT', '/v1/identity/settings', { mfaRequired: 'all' });
    expect(set.status).toBe(200);
    // Bypass attempts: the old session, its refresh token, the old API token — on every road.
    expect((await me(beforeUser)).status).toBe(401);
    expect((await call(cell, beforeUser, 'GET', `/v1/documents/${doc}`)).status).toBe(401); // hot path
    expect(
      (await call(cell, null, 'POST', '/v1/auth/refresh', { refreshToken: before.body.refreshToken })).status,
    ).toBe(401);
    expect((await call(cell, oldToken, 'GET', `/v1/documents/${doc}`)).status).toBe(401);
    expect((await call(cell, oldToken, 'GET', `/v1/documents/${doc}/versions`)).status).toBe(401);
    // The admin, who passed a factor in this session, carries on.
    expect((await me(t.admin)).status).toBe(200);

    // A new login must enrol before it gets a session.
    const first = await loginRaw(cell, t.tenantId, u.email, u.password);
    expect(first.body).toMatchObject({ mfaRequired: true, enrollmentRequired: true, methods: ['totp'] });
    expect((await verify({ mfaToken: first.body.mfaToken, code: '123456' })).status).toBe(401);
    const enrol = await call(cell, null, 'POST', '/v1/auth/mfa/enroll', { mfaToken: first.body.mfaToken });
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const done = await verify({ mfaToken: first.body.mfaToken, code: totpCode(enrol.body.secret) });
    expect(done.status).toBe(200);
    expect(done.body.recoveryCodes).toHaveLength(10);
    const fresh = asUser(t.tenantId, u.userId, done.body.accessToken);
    expect((await call(cell, fresh, 'GET', `/v1/documents/${doc}`)).status).toBe(200);
    // An API token made in this MFA session works; the factor cannot be removed under the policy.
    const newToken = await call(cell, fresh, 'POST', '/v1/me/api-tokens', {
      name: 'new',
      scopes: ['documents:read'],
    });
    expect(
      (await call(cell, asUser(t.tenantId, u.userId, newToken.body.token), 'GET', `/v1/documents/${doc}`))
        .status,
    ).toBe(200);
    const removal = await call(cell, fresh, 'POST', '/v1/me/mfa/remove', {
      code: futureCode(enrol.body.secret),
    });
    expect(removal.status).toBe(409);
    // Refreshing an MFA session keeps working.
    const refreshed = await call(cell, null, 'POST', '/v1/auth/refresh', {
      refreshToken: done.body.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    expect(adminEnrol.recoveryCodes).toHaveLength(10);
  });

  it('policy "admins": editors are not asked; promoting one to admin ends their session without MFA', async () => {
    const t = await buildTenant(cell);
    await enrolTotp(cell, t.admin);
    expect(
      (await call(cell, t.admin, 'PUT', '/v1/identity/settings', { mfaRequired: 'admins' })).status,
    ).toBe(200);
    const u = await addUser(cell, t.admin, 'editor');
    const s = await loginRaw(cell, t.tenantId, u.email, u.password);
    expect(s.body.accessToken).toBeTruthy();
    const editor = asUser(t.tenantId, u.userId, s.body.accessToken);
    expect((await me(editor)).status).toBe(200);
    await call(cell, t.admin, 'PATCH', `/v1/users/${u.userId}`, { role: 'admin' });
    expect((await me(editor)).status).toBe(401);
    const next = await loginRaw(cell, t.tenantId, u.email, u.password);
    expect(next.body).toMatchObject({ mfaRequired: true, enrollmentRequired: true });
  });

  it('a login with TOTP works end to end through the helper (sanity for later suites)', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const { secret } = await enrolTotp(cell, await login(cell, a.tenantId, u.email, u.password));
    const { user } = await loginWithTotp(cell, a.tenantId, u.email, u.password, futureCode(secret));
    expect((await call(cell, user, 'GET', `/v1/documents/${docId}`)).status).toBe(404);
  });
});

describe('brute force', () => {
  it('wrong codes across fresh challenges are throttled per user (ten in fifteen minutes)', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const { secret } = await enrolTotp(cell, await login(cell, a.tenantId, u.email, u.password));
    let last = 0;
    for (let round = 0; round < 3; round++) {
      const ch = await loginRaw(cell, a.tenantId, u.email, u.password);
      for (let i = 0; i < 4; i++)
        last = (await verify({ mfaToken: ch.body.mfaToken, code: '000001' })).status;
    }
    expect(last).toBe(429);
    // Even the right code waits out the window now.
    const ch = await loginRaw(cell, a.tenantId, u.email, u.password);
    expect((await verify({ mfaToken: ch.body.mfaToken, code: futureCode(secret) })).status).toBe(429);
  });
});
