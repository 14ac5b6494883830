import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdTokenFault, type OidcIdp, startOidcIdp } from '../../../infra/local/idp/oidc.ts';
import { Browser, type Dispatch, network } from '../../../test/support/browser.ts';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { enrolTotp } from '../../../test/support/identity.ts';
import { configureOidc, type IdpLogin, oidcRoundTrip } from '../../../test/support/sso.ts';
import { totpCode } from '../../src/modules/identity/mfa/totp.ts';

/**
 * OpenID Connect per tenant against real OpenID providers (oidc-provider, one per tenant), the
 * cell in-process at http://cell.test. The cell must take only what the tenant's own IdP
 * signed for the tenant's own client, once, in the browser that started the login.
 */
const ORIGIN = 'http://cell.test';
let cell: TestCell;
let idpA: OidcIdp;
let idpB: OidcIdp;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let connA: string;
let connB: string;
let adminsGroup: string;

const dispatch: Dispatch = (url, init) =>
  url.host === 'cell.test' ? Promise.resolve(cell.app.request(url.href, init)) : network(url, init);
const as = (t: { admin: TestUser }) => (method: string, path: string, body?: unknown) =>
  call(cell, t.admin, method, path, body);

async function signIn(t: { tenantId: string }, conn: string, login: IdpLogin, br = new Browser(dispatch)) {
  const { res, callback } = await oidcRoundTrip(br, ORIGIN, conn, login, { tenantId: t.tenantId });
  return { res: res!, callback, browser: br };
}

/** /v1/me with the browser's session cookie. */
async function meOf(br: Browser) {
  const res = await br.request(`${ORIGIN}/v1/me`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function audit(t: { admin: TestUser }, action: string) {
  const res = await call(cell, t.admin, 'GET', `/v1/audit?action=${action}&limit=100`);
  return res.body.items as { resource: { id: string }; details: Record<string, unknown> }[];
}

beforeAll(async () => {
  cell = await startTestCell();
  [idpA, idpB] = await Promise.all([startOidcIdp(), startOidcIdp()]);
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  adminsGroup = (await call(cell, a.admin, 'POST', '/v1/groups', { name: 'Admins from IdP' })).body.id;
  connA = await configureOidc(as(a), idpA, ORIGIN, {
    mapping: {
      roleClaim: 'groups',
      roles: { admin: ['quire-admins'], editor: ['quire-editors'] },
      defaultRole: 'viewer',
      groupsClaim: 'groups',
      groups: { 'quire-admins': adminsGroup },
    },
  });
  connB = await configureOidc(as(b), idpB, ORIGIN);
}, 60_000);
afterAll(async () => {
  await cell?.close();
  await idpA?.close();
  await idpB?.close();
});

describe('sign-in', () => {
  it('authorization code + PKCE, state and nonce: a new user is created with the mapped role and groups', async () => {
    const { res, browser } = await signIn(a, connA, {
      email: 'Alice@A.example',
      name: 'Alice',
      groups: ['quire-admins'],
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect(browser.cookie('cell.test', '__Host-quire_at')).toBeTruthy();
    const me = await meOf(browser);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      tenantId: a.tenantId,
      email: 'alice@a.example',
      name: 'Alice',
      roles: ['admin'],
    });
    const members = await call(cell, a.admin, 'GET', '/v1/users');
    const alice = members.body.items.find((u: { email: string }) => u.email === 'alice@a.example');
    expect(alice).toMatchObject({ role: 'admin', status: 'active' });
    const created = await audit(a, 'user.created');
    expect(created.find((e) => e.resource.id === alice.id)?.details).toMatchObject({
      via: 'sso_jit',
      connectionId: connA,
    });
    const logins = await audit(a, 'auth.login');
    expect(logins.some((e) => e.details.method === 'oidc')).toBe(true);
  });

  it('the same IdP subject is the same user; the role follows the IdP’s groups at each login', async () => {
    const first = await signIn(a, connA, { email: 'bob@a.example', groups: ['quire-editors'] });
    const bob = (await meOf(first.browser)).body;
    expect(bob.roles).toEqual(['editor']);
    const second = await signIn(a, connA, { email: 'bob@a.example', groups: ['quire-admins'] });
    const again = (await meOf(second.browser)).body;
    expect(again.userId).toBe(bob.userId);
    expect(again.roles).toEqual(['admin']);
  });

  it('a replayed callback, or one delivered to another browser, is refused', async () => {
    const { res, callback, browser } = await signIn(a, connA, { email: 'carol@a.example' });
    expect(res.status).toBe(303);
    const replay = await browser.request(callback);
    expect(replay.status).toBe(401);
    // A login started in one browser and finished in another (login CSRF).
    const started = new Browser(dispatch);
    const stolen = await oidcRoundTrip(
      started,
      ORIGIN,
      connA,
      { email: 'carol@a.example' },
      {
        tenantId: a.tenantId,
        deliver: false,
      },
    );
    const elsewhere = await new Browser(dispatch).request(stolen.callback);
    expect(elsewhere.status).toBe(401);
    // A real browser's navigation goes back to the sign-in page, the reason after `#` (never sent).
    const navigating = await new Browser(dispatch).request(stolen.callback, {
      headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' },
    });
    expect(navigating.status).toBe(303);
    expect(navigating.headers.get('location')).toBe('/sign-in#sso_error=unauthenticated');
    expect(navigating.headers.getSetCookie().join(';')).not.toMatch(/__Host-quire_at=[^;]/);
    const failures = await audit(a, 'auth.sso_failed');
    expect(failures.map((e) => e.details.reason)).toEqual(
      expect.arrayContaining(['state', 'browser_binding']),
    );
  });

  it('JIT off: an unknown user is refused; a disabled user is refused', async () => {
    const t = await buildTenant(cell);
    const idp = await startOidcIdp();
    try {
      const conn = await configureOidc(as(t), idp, ORIGIN, { jit: false });
      const unknown = await signIn(t, conn, { email: 'stranger@t.example' });
      expect(unknown.res.status).toBe(401);
      const u = await call(cell, t.admin, 'POST', '/v1/users', {
        email: 'known@t.example',
        name: 'Known',
        role: 'editor',
      });
      const ok = await signIn(t, conn, { email: 'known@t.example' });
      expect(ok.res.status).toBe(303);
      expect((await meOf(ok.browser)).body.userId).toBe(u.body.id);
      await call(cell, t.admin, 'PATCH', `/v1/users/${u.body.id}`, { status: 'disabled' });
      expect((await meOf(ok.browser)).status).toBe(401);
      expect((await signIn(t, conn, { email: 'known@t.example' })).res.status).toBe(401);
      const reasons = (await audit(t, 'auth.sso_failed')).map((e) => e.details.reason);
      expect(reasons).toEqual(expect.arrayContaining(['unknown_user', 'disabled']));
    } finally {
      await idp.close();
    }
  });
});

describe('key rotation at the IdP', () => {
  it('after the IdP signs with a new key, the cell fetches its keys again and logins go on', async () => {
    const before = await signIn(a, connA, { email: 'rot@a.example' });
    expect(before.res.status).toBe(303);
    await idpA.rotate();
    // openid-client refetches keys on an unknown kid once its copy is a minute old; within that
    // minute the first login may fail, and makes the cell discover afresh for the next one.
    const first = await signIn(a, connA, { email: 'rot@a.example' });
    if (first.res.status !== 303) {
      const reasons = (await audit(a, 'auth.sso_failed')).map((e) => e.details.reason);
      expect(reasons).toContain('id_token:key_selection');
    }
    const after = first.res.status === 303 ? first : await signIn(a, connA, { email: 'rot@a.example' });
    expect(after.res.status).toBe(303);
    expect((await meOf(after.browser)).body.email).toBe('rot@a.example');
  });
});

describe('ID tokens the cell must refuse', () => {
  for (const fault of ['tampered', 'unsigned', 'expired', 'audience', 'issuer', 'nonce'] as IdTokenFault[]) {
    it(`${fault}`, async () => {
      const br = new Browser(dispatch);
      const trip = await oidcRoundTrip(
        br,
        ORIGIN,
        connA,
        { email: 'mallory@a.example' },
        { tenantId: a.tenantId, deliver: false },
      );
      idpA.faults.nextIdToken = fault;
      const res = await br.request(trip.callback);
      idpA.faults.nextIdToken = null;
      expect(res.status, await res.clone().text()).toBe(401);
      expect(br.cookie('cell.test', '__Host-quire_at')).toBeUndefined();
      const failures = await audit(a, 'auth.sso_failed');
      expect(failures.some((e) => String(e.details.reason).startsWith('id_token:'))).toBe(true);
    });
  }
});

describe('one tenant’s IdP never signs users into another tenant', () => {
  it('a code from tenant B’s IdP, delivered with tenant A’s state, is refused (and the other way round)', async () => {
    for (const [from, to] of [
      [
        { t: b, conn: connB },
        { t: a, conn: connA },
      ],
      [
        { t: a, conn: connA },
        { t: b, conn: connB },
      ],
    ] as const) {
      const br = new Browser(dispatch);
      const victim = await oidcRoundTrip(
        br,
        ORIGIN,
        to.conn,
        { email: 'x@victim.example' },
        { tenantId: to.t.tenantId, deliver: false },
      );
      const attacker = await oidcRoundTrip(
        new Browser(dispatch),
        ORIGIN,
        from.conn,
        { email: 'boss@victim.example' },
        {
          tenantId: from.t.tenantId,
          deliver: false,
        },
      );
      const spliced = new URL(victim.callback);
      spliced.searchParams.set('code', attacker.callback.searchParams.get('code')!);
      spliced.searchParams.set('iss', attacker.callback.searchParams.get('iss') ?? '');
      const res = await br.request(spliced);
      expect(res.status).toBe(401);
      // And the attacker's own state on the victim tenant's callback path.
      const wrongPath = new URL(attacker.callback);
      wrongPath.pathname = `/v1/auth/sso/${to.conn}/callback`;
      expect((await br.request(wrongPath)).status).toBe(401);
    }
    const users = await call(cell, a.admin, 'GET', '/v1/users');
    expect(users.body.items.map((u: { email: string }) => u.email)).not.toContain('boss@victim.example');
  });

  it('tenant B’s admin cannot see or change tenant A’s connection', async () => {
    expect((await call(cell, b.admin, 'GET', `/v1/sso/connections/${connA}`)).status).toBe(404);
    expect(
      (await call(cell, b.admin, 'PATCH', `/v1/sso/connections/${connA}`, { enabled: false })).status,
    ).toBe(404);
    const list = await call(cell, b.admin, 'GET', '/v1/sso/connections');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([connB]);
  });
});

describe('connections', () => {
  it('the client secret goes in encrypted and never comes out; only admins manage connections', async () => {
    const got = await call(cell, a.admin, 'GET', `/v1/sso/connections/${connA}`);
    expect(got.body.hasClientSecret).toBe(true);
    expect(JSON.stringify(got.body)).not.toMatch(/secret"\s*:\s*"[^"]/);
    const editor = await call(cell, a.admin, 'POST', '/v1/users', {
      email: `ed-${Date.now()}@a.example`,
      name: 'Ed',
      role: 'editor',
      password: 'a long enough password',
    });
    const { login } = await import('../../../test/support/harness.ts');
    const ed = await login(cell, a.tenantId, editor.body.email, 'a long enough password');
    expect((await call(cell, ed, 'GET', '/v1/sso/connections')).status).toBe(403);
    expect(
      (
        await call(cell, ed, 'POST', '/v1/sso/connections', {
          protocol: 'oidc',
          name: 'x',
          oidc: { issuer: idpA.issuer, clientId: 'x' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('with MFA', () => {
  it('policy "all": the SSO login owes our second factor unless the tenant trusts the IdP’s MFA', async () => {
    const t = await buildTenant(cell);
    const idp = await startOidcIdp();
    try {
      await enrolTotp(cell, t.admin);
      expect((await call(cell, t.admin, 'PUT', '/v1/identity/settings', { mfaRequired: 'all' })).status).toBe(
        200,
      );
      const conn = await configureOidc(as(t), idp, ORIGIN);
      // The IdP did MFA, but the tenant does not trust it: our factor is owed.
      const first = await signIn(t, conn, { email: 'dave@t.example', mfa: true });
      expect(first.res.status).toBe(303);
      expect(first.res.headers.get('location')).toBe('/login/mfa');
      expect(first.browser.cookie('cell.test', '__Host-quire_at')).toBeUndefined();
      expect(first.browser.cookie('cell.test', '__Host-quire_mfa')).toBeTruthy();
      const enrol = await first.browser.request(`${ORIGIN}/v1/auth/mfa/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(enrol.status).toBe(200);
      const { secret } = (await enrol.json()) as { secret: string };
      const verified = await first.browser.request(`${ORIGIN}/v1/auth/mfa/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: totpCode(secret) }),
      });
      expect(verified.status).toBe(200);
      expect(((await verified.json()) as any).recoveryCodes).toHaveLength(10);
      expect((await meOf(first.browser)).body).toMatchObject({ mfa: true, credential: 'cookie' });

      // Trusting the IdP's MFA: a multi-factor IdP login is enough; a password-only one is not.
      await call(cell, t.admin, 'PUT', '/v1/identity/settings', { trustIdpMfa: true });
      const trusted = await signIn(t, conn, { email: 'erin@t.example', mfa: true });
      expect(trusted.res.headers.get('location')).toBe('/');
      expect((await meOf(trusted.browser)).body.mfa).toBe(true);
      const weak = await signIn(t, conn, { email: 'frank@t.example', mfa: false });
      expect(weak.res.headers.get('location')).toBe('/login/mfa');
    } finally {
      await idp.close();
    }
  });
});

describe('the sign-in page', () => {
  it('lists the tenant’s enabled IdPs without a login; a scripted start answers where to go; a dead IdP shows as unavailable', async () => {
    const options = await cell.app.request(`${ORIGIN}/v1/auth/options?tenantId=${a.tenantId}`);
    expect(options.status).toBe(200);
    const body = (await options.json()) as Record<string, any>;
    expect(body).toMatchObject({ passwordLogin: 'allowed', ssoUnavailable: false });
    expect(body.sso.map((c: { id: string }) => c.id)).toEqual([connA]);
    expect(Object.keys(body.sso[0]).sort()).toEqual(['id', 'name', 'protocol']);
    expect((await cell.app.request(`${ORIGIN}/v1/auth/options`)).status).toBe(401);

    // Asked for JSON, start answers the IdP's address and sets the binding cookie as the redirect does.
    const br = new Browser(dispatch);
    const started = await br.request(`${ORIGIN}/v1/auth/sso/${connA}/start?tenantId=${a.tenantId}`, {
      headers: { accept: 'application/json' },
    });
    expect(started.status).toBe(200);
    const { location } = (await started.json()) as { location: string };
    expect(new URL(location).origin).toBe(new URL(idpA.issuer).origin);
    expect(br.cookie('cell.test', '__Host-quire_sso')).toBeTruthy();

    // An IdP that does not answer: start says so (503), and the page learns SSO is unavailable.
    const t = await buildTenant(cell);
    const idp = await startOidcIdp();
    const conn = await configureOidc(as(t), idp, ORIGIN, { name: 'Soon down' });
    await idp.close();
    const down = await cell.app.request(`${ORIGIN}/v1/auth/sso/${conn}/start?tenantId=${t.tenantId}`, {
      headers: { accept: 'application/json' },
    });
    expect(down.status).toBe(503);
    const after = (await (
      await cell.app.request(`${ORIGIN}/v1/auth/options?tenantId=${t.tenantId}`)
    ).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ ssoUnavailable: true, sso: [{ id: conn, name: 'Soon down' }] });
  });
});
