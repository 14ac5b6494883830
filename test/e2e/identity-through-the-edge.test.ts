import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../cell/src/modules/identity/mfa/totp.ts';
import { type OidcIdp, startOidcIdp } from '../../infra/local/idp/oidc.ts';
import { type SamlIdp, startSamlIdp } from '../../infra/local/idp/saml.ts';
import { Browser, type Dispatch, network } from '../support/browser.ts';
import { futureCode } from '../support/identity.ts';
import { configureOidc, configureSaml, oidcRoundTrip, samlRoundTrip } from '../support/sso.ts';
import { startWorld, untilRouted, type World } from '../support/topology.ts';

/**
 * Identity as users reach it: every flow through the edge in workerd, on the tenant's hostname
 * (the regional one for a strict-residency tenant), against real cells and real identity
 * providers: password, OIDC and SAML logins, each finishing with a second factor; browser
 * sessions carried by cookies the edge reads; API tokens; break-glass while the IdP is down.
 */
let world: World;
let oidc: OidcIdp;
let saml: SamlIdp;
type T = { tenantId: string; email: string; password: string; slug: string; host: string; token: string };
let us: T;
let us2: T;
let eu: T;

const dispatch: Dispatch = (url, init) =>
  url.hostname.endsWith('quire.test') ? world.edge.fetch(url.href, init) : network(url, init);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function api(t: T, method: string, path: string, body?: unknown, token = t.token) {
  const res = await world.edge.fetch(`http://quire.test${path}`, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function tenant(slug: string, region: 'us' | 'eu', strictResidency = false): Promise<T> {
  const t = await world.provision({ slug, region, strictResidency });
  await untilRouted(world, slug);
  const host = strictResidency ? `${slug}.${region}.quire.test` : `${slug}.quire.test`;
  const token = await world.login(
    slug,
    t.email,
    t.password,
    strictResidency ? `${region}.quire.test` : 'quire.test',
  );
  return { ...t, slug, host, token };
}

/** The admin enrols TOTP (so they may require MFA) and requires it of everyone. */
async function requireMfa(t: T) {
  const started = await api(t, 'POST', '/v1/me/mfa/totp');
  const confirmed = await api(t, 'POST', '/v1/me/mfa/totp/confirm', { code: totpCode(started.body.secret) });
  const set = await api(t, 'PUT', '/v1/identity/settings', { mfaRequired: 'all' });
  expect(set.status).toBe(200);
  return { secret: started.body.secret as string, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

/** After an SSO redirect to the app's MFA page: enrol and verify with the challenge cookie. */
async function finishMfa(browser: Browser, origin: string) {
  const post = (path: string, body: unknown) =>
    browser.request(`${origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const enrol = await post('/v1/auth/mfa/enroll', {});
  expect(enrol.status).toBe(200);
  const { secret } = (await enrol.json()) as { secret: string };
  const verified = await post('/v1/auth/mfa/verify', { code: totpCode(secret) });
  expect(verified.status).toBe(200);
  return (await verified.json()) as { csrfToken: string; recoveryCodes: string[] };
}

beforeAll(async () => {
  [world, oidc, saml] = await Promise.all([
    startWorld({ name: 'identity', redisDbs: [6, 7] }),
    startOidcIdp(),
    startSamlIdp(),
  ]);
  us = await tenant('id-us', 'us');
  us2 = await tenant('id-us-two', 'us');
  eu = await tenant('id-eu', 'eu', true);
}, 180_000);

afterAll(async () => {
  await world?.close();
  await oidc?.close();
  await saml?.close();
});

describe('password + MFA, through the edge', () => {
  it('a bearer login owes the code; a browser login is carried by cookies the edge reads', async () => {
    const { secret, recoveryCodes } = await requireMfa(us2);
    const first = await world.edge.fetch(`http://${us2.host}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: us2.email, password: us2.password }),
    });
    const challenge = (await first.json()) as { mfaRequired: boolean; mfaToken: string };
    expect(challenge.mfaRequired).toBe(true);
    const verified = await world.edge.fetch(`http://${us2.host}/v1/auth/mfa/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mfaToken: challenge.mfaToken, code: futureCode(secret) }),
    });
    expect(verified.status).toBe(200);
    const token = ((await verified.json()) as { accessToken: string }).accessToken;
    expect((await api(us2, 'GET', '/v1/me', undefined, token)).body).toMatchObject({
      mfa: true,
      tenantId: us2.tenantId,
    });

    // A browser: cookies on the tenant's hostname, then the bare hostname by cookie alone.
    const browser = new Browser(dispatch);
    const login = await browser.request(`http://${us2.host}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: us2.email, password: us2.password, session: 'cookie' }),
    });
    const c = (await login.json()) as { mfaToken: string };
    const done = await browser.request(`http://${us2.host}/v1/auth/mfa/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A code works once per 30-second step: this second login uses a recovery code.
      body: JSON.stringify({ mfaToken: c.mfaToken, recoveryCode: recoveryCodes[0] }),
    });
    expect(done.status).toBe(200);
    const { csrfToken } = (await done.json()) as { csrfToken: string };
    const me = await browser.request(`http://${us2.host}/v1/me`);
    expect(me.status).toBe(200);
    expect(me.headers.get('x-quire-cell')).toBe('us-1');
    const bare = await world.edge.fetch('http://quire.test/v1/me', {
      headers: { cookie: `__Host-quire_at=${browser.cookie(us2.host, '__Host-quire_at')}` },
    });
    expect(bare.status).toBe(200);
    const noCsrf = await browser.request(`http://${us2.host}/v1/folders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'via cookie' }),
    });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await browser.request(`http://${us2.host}/v1/folders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'via cookie' }),
    });
    expect(withCsrf.status).toBe(201);
    // The cookie of one tenant on another tenant's hostname is refused.
    const elsewhere = await world.edge.fetch(`http://${us.host}/v1/me`, {
      headers: { cookie: `__Host-quire_at=${browser.cookie(us2.host, '__Host-quire_at')}` },
    });
    expect(elsewhere.status).toBe(403);
  });
});

describe('OIDC + MFA, through the edge', () => {
  it('signs in on the tenant’s hostname, then the second factor, then cookies', async () => {
    const origin = `http://${us.host}`;
    const call = (method: string, path: string, body?: unknown) => api(us, method, path, body);
    const conn = await configureOidc(call, oidc, origin);
    await requireMfa(us);
    const browser = new Browser(dispatch);
    const { res } = await oidcRoundTrip(browser, origin, conn, { email: 'olga@id-us.example', name: 'Olga' });
    expect(res!.status).toBe(303);
    expect(res!.headers.get('location')).toBe('/login/mfa');
    const { csrfToken } = await finishMfa(browser, origin);
    const me = await browser.request(`${origin}/v1/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'olga@id-us.example', mfa: true, credential: 'cookie' });
    expect(csrfToken).toBeTruthy();
  });

  it('a callback of tenant A delivered on tenant B’s hostname is refused', async () => {
    const origin = `http://${us.host}`;
    const list = await api(us, 'GET', '/v1/sso/connections');
    const conn = list.body.items[0].id as string;
    const browser = new Browser(dispatch);
    const trip = await oidcRoundTrip(
      browser,
      origin,
      conn,
      { email: 'olga@id-us.example' },
      { deliver: false },
    );
    const moved = new URL(trip.callback);
    moved.host = us2.host;
    // Same browser binding cookie, carried over to the other hostname.
    browser.setCookie(us2.host, '__Host-quire_sso', browser.cookie(us.host, '__Host-quire_sso')!);
    const res = await browser.request(moved);
    expect(res.status).toBe(401);
    expect(browser.cookie(us2.host, '__Host-quire_at')).toBeUndefined();
  });
});

describe('SAML + MFA, through the edge on the regional hostname', () => {
  it('a strict-residency tenant signs in through SAML on eu.<host>, then the second factor', async () => {
    const origin = `http://${eu.host}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await world.edge.fetch(`http://eu.quire.test${path}`, {
        method,
        headers: {
          ...bearer(eu.token),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const conn = await configureSaml(call, saml);
    const started = await call('POST', '/v1/me/mfa/totp');
    await call('POST', '/v1/me/mfa/totp/confirm', { code: totpCode(started.body.secret) });
    expect((await call('PUT', '/v1/identity/settings', { mfaRequired: 'all' })).status).toBe(200);
    const browser = new Browser(dispatch);
    const { res } = await samlRoundTrip(browser, origin, conn, { email: 'sven@id-eu.example' });
    expect(res!.status).toBe(303);
    expect(res!.headers.get('location')).toBe('/login/mfa');
    await finishMfa(browser, origin);
    const me = await browser.request(`${origin}/v1/me`);
    expect(me.status).toBe(200);
    expect(me.headers.get('x-quire-cell')).toBe('eu-1');
    // On the global hostname the same tenant is sent to its region.
    const global = await world.edge.fetch(`http://${eu.slug}.quire.test/v1/auth/sso/${conn}/start`, {
      redirect: 'manual',
    });
    expect(global.status).toBe(308);
  });
});

describe('API tokens through the edge', () => {
  it('a scoped personal token works on the bare hostname for what its scopes allow', async () => {
    const created = await api(us, 'POST', '/v1/me/api-tokens', { name: 'sync', scopes: ['documents:read'] });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect((await api(us, 'GET', '/v1/folders/root/children', undefined, token)).status).toBe(200);
    expect((await api(us, 'POST', '/v1/folders', { name: 'nope' }, token)).status).toBe(403);
    expect((await api(us, 'GET', '/v1/me/sessions', undefined, token)).status).toBe(403);
    expect((await api(us, 'DELETE', `/v1/me/api-tokens/${created.body.id}`)).status).toBe(204);
    expect((await api(us, 'GET', '/v1/folders/root/children', undefined, token)).status).toBe(401);
  });
});

describe('break-glass when the customer’s IdP is down', () => {
  it('works only while SSO is unavailable, needs the second factor, is audited and alerts the admins', async () => {
    // A fresh tenant id each run: the cells' Redis keeps an IdP-down marker for 15 minutes.
    const t = await tenant(`id-glass-${Date.now().toString(36)}`, 'us');
    const idp = await startOidcIdp();
    const call = (method: string, path: string, body?: unknown) => api(t, method, path, body);
    await configureOidc(call, idp, `http://${t.host}`);
    const adminSecret = await requireMfa(t);
    // A break-glass account with its own second factor, then SSO only.
    const glass = { email: 'glass@id-glass.example', password: 'break the glass, carefully' };
    const created = await call('POST', '/v1/users', { ...glass, name: 'Break glass', role: 'admin' });
    const first = await world.edge.fetch(`http://${t.host}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(glass),
    });
    const challenge = (await first.json()) as { mfaToken: string };
    const enrol = await world.edge.fetch(`http://${t.host}/v1/auth/mfa/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mfaToken: challenge.mfaToken }),
    });
    const glassSecret = ((await enrol.json()) as { secret: string }).secret;
    await world.edge.fetch(`http://${t.host}/v1/auth/mfa/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mfaToken: challenge.mfaToken, code: totpCode(glassSecret) }),
    });
    expect((await call('PATCH', `/v1/users/${created.body.id}`, { breakGlass: true })).status).toBe(200);
    expect((await call('PUT', '/v1/identity/settings', { passwordLogin: 'sso_only' })).status).toBe(200);

    const breakGlass = () =>
      world.edge.fetch(`http://${t.host}/v1/auth/break-glass`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(glass),
      });
    // Passwords are off for everyone; break-glass is refused while the IdP answers.
    const password = await world.edge.fetch(`http://${t.host}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: t.email, password: t.password }),
    });
    expect(password.status).toBe(403);
    expect((await breakGlass()).status).toBe(403);

    // The IdP goes down: the cell finds out by itself.
    await idp.close();
    const opened = await breakGlass();
    expect(opened.status).toBe(200);
    const pending = (await opened.json()) as { mfaRequired: boolean; mfaToken: string; accessToken?: string };
    expect(pending.mfaRequired).toBe(true);
    expect(pending.accessToken).toBeUndefined();
    const done = await world.edge.fetch(`http://${t.host}/v1/auth/mfa/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mfaToken: pending.mfaToken, code: futureCode(glassSecret) }),
    });
    expect(done.status).toBe(200);
    const glassToken = ((await done.json()) as { accessToken: string }).accessToken;
    expect((await api(t, 'GET', '/v1/me', undefined, glassToken)).status).toBe(200);

    const audit = await call('GET', '/v1/audit?action=auth.sso_bypass');
    expect(audit.body.items).toHaveLength(1);
    const alerts = await call('GET', '/v1/identity/alerts');
    expect(alerts.body.items[0]).toMatchObject({
      code: 'sso_bypass',
      params: { userId: expect.any(String) },
    });
    expect(JSON.stringify(alerts.body)).not.toContain(glass.email);
    // The admin ends the outage: break-glass sessions end with it.
    await call('PUT', '/v1/identity/settings', { ssoUnavailableMinutes: 0 });
    expect((await api(t, 'GET', '/v1/me', undefined, glassToken)).status).toBe(401);
    expect(adminSecret).toBeTruthy();
  });
});

describe('tenant discovery on the bare hostname', () => {
  it('an email’s verified company domain leads to the tenant’s hostname; only the domain leaves the edge', async () => {
    const cp = postgres(world.topology.controlPlaneDatabase.ownerUrl, { max: 1, onnotice: () => {} });
    try {
      // Domain verification itself (DNS TXT) is tested at the control plane with a resolver stub.
      await cp`insert into tenant_domains (domain, tenant_id, verification_token, verified_at)
               values ('id-us-corp.example', ${us.tenantId}, 'token', now()),
                      ('id-eu-corp.example', ${eu.tenantId}, 'token', now()),
                      ('claimed-only.example', ${us.tenantId}, 'token', null)`;
    } finally {
      await cp.end();
    }
    const ask = (email: string, host = 'quire.test') =>
      world.edge.fetch(`http://${host}/v1/auth/discover`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
    const usRes = await ask('Jane.Doe@ID-US-corp.example');
    expect(usRes.status).toBe(200);
    expect(await usRes.json()).toEqual({ tenant: 'id-us', loginUrl: 'http://id-us.quire.test/' });
    const euRes = await ask('sven.svensson@id-eu-corp.example');
    expect(await euRes.json()).toEqual({ tenant: 'id-eu', loginUrl: 'http://id-eu.eu.quire.test/' });
    expect((await ask('someone@claimed-only.example')).status).toBe(404);
    expect((await ask('someone@unknown-corp.example')).status).toBe(404);
    expect((await ask('not an email')).status).toBe(400);
    const everywhere = [...world.edge.logs, ...world.topology.controlPlane.logs].join('\n');
    expect(everywhere).not.toContain('jane.doe');
    expect(everywhere.toLowerCase()).not.toContain('jane.doe@');
    expect(everywhere).not.toContain('sven.svensson');
  });
});
