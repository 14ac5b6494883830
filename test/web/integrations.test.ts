import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcIdp, startOidcIdp } from '../../infra/local/idp/oidc.ts';
import { eventually } from '../support/eventually.ts';
import { futureCode, totpCode } from '../support/identity.ts';
import { configureOidc } from '../support/sso.ts';
import { startWorld, type World } from '../support/topology.ts';
import { buildWeb, checkScreen, launchChromium, newContext, screenshot, WEB_HOSTS } from '../support/web.ts';

/**
 * The identity and integration screens in Debian's Chromium, through the edge to real cells and
 * a real OpenID provider: signing in with SSO from a work email (the organisation found by its
 * verified domain) and landing signed in with a cookie session; the second factor after SSO;
 * break-glass sign-in while the organisation's IdP is down; webhooks (secret shown once, a
 * delivery retried and logged; a private target refused in words); SCIM tokens (made, used,
 * revoked: then 401); changing a share link (expiry, password, limit; the link then asks for the
 * password); and none of the admin screens for a non-admin. axe-core on every new screen.
 *
 * Four organisations, so each test stands on its own: `web-integ` (us-1, where webhooks may
 * call this machine: WEBHOOK_ALLOW_PRIVATE_TARGETS), `web-integ-glass` (its IdP goes down),
 * `web-integ-mfa` (a second factor for everyone) and `web-integ-eu` (eu-1, private webhook
 * targets refused as in production).
 */
let world: World;
let browser: Browser;
let port: string;
let idp: OidcIdp;
let receiver: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let failNext = 0;

const password = 'a long enough password';
type Org = { slug: string; host: string; tenantId: string; admin: string; token: string };
const orgs: Record<'main' | 'glass' | 'mfa' | 'eu', Org> = {
  main: { slug: 'web-integ' },
  glass: { slug: 'web-integ-glass' },
  mfa: { slug: 'web-integ-mfa' },
  eu: { slug: 'web-integ-eu' },
} as Record<'main' | 'glass' | 'mfa' | 'eu', Org>;
const viewer = { email: 'vera@web-integ.example', name: 'Vera Viewer', role: 'viewer', password };

const url = (o: Org, path: string) => `http://${o.host}:${port}${path}`;

async function api(o: Org, method: string, path: string, token: string | null, body?: unknown) {
  const res = await world.edge.fetch(`http://${o.host}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}),
      ...(body instanceof Uint8Array
        ? { 'content-type': 'text/plain', 'upload-metadata': `filename ${btoa('plan.txt')}` }
        : {}),
    },
    ...(body !== undefined ? { body: body instanceof Uint8Array ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

async function ok(o: Org, method: string, path: string, token: string | null, body?: unknown) {
  const res = await api(o, method, path, token, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function provision(key: keyof typeof orgs, region: 'us' | 'eu') {
  const o = orgs[key];
  o.host = `${o.slug}.quire.localhost`;
  o.admin = `admin@${o.slug}.example`;
  o.tenantId = (
    await world.provision({
      slug: o.slug,
      region,
      admin: { email: o.admin, name: `Admin of ${o.slug}`, password },
    })
  ).tenantId;
  await eventually(async () => {
    const res = await api(o, 'GET', '/v1/me', null);
    return res.body.error?.code !== 'tenant_not_found';
  }, `the edge learns the route of ${o.slug}`);
  o.token = (await ok(o, 'POST', '/v1/auth/login', null, { email: o.admin, password, session: 'token' }))
    .accessToken as string;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = failNext-- > 0 ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/quire`;
  const web = await buildWeb();
  [world, idp] = await Promise.all([
    startWorld({
      name: 'webinteg',
      redisDbs: [0, 1],
      hosts: WEB_HOSTS,
      assetsDir: web.app,
      // us-1 may deliver to this machine's receiver; eu-1 refuses private targets as in production.
      cellOverrides: {
        'us-1': { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '0.5' } },
      },
    }),
    startOidcIdp(),
  ]);
  port = new URL(world.edge.url).port;
  await provision('main', 'us');
  await provision('glass', 'us');
  await provision('mfa', 'us');
  await provision('eu', 'eu');
  await ok(orgs.main, 'POST', '/v1/users', orgs.main.token, viewer);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
  await idp?.close();
  receiver?.close();
});

const check = (page: Page, name: string) => checkScreen(page, `integ-${name}`);

async function signIn(o: Org, email: string) {
  const page = await (await newContext(browser)).newPage();
  await page.goto(url(o, '/sign-in'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
  return page;
}

/** The local IdP's one-form login page: any email signs in. */
async function idpLogin(page: Page, email: string, name: string) {
  await page.waitForURL((u) => u.origin === new URL(idp.issuer).origin);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="name"]').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** What a script on the page can read: both storages and the cookies not marked HttpOnly. */
const storage = (page: Page) =>
  page.evaluate(
    '({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage), cookies: document.cookie })',
  ) as Promise<{ session: string; local: string; cookies: string }>;

describe('single sign-on', () => {
  it('a work email finds the organisation; SSO through the IdP lands signed in with cookies the page cannot read', async () => {
    const main = orgs.main;
    const call = async (method: string, path: string, body?: unknown) =>
      api(main, method, path, main.token, body);
    const connection = await configureOidc(call, idp, `http://${main.host}:${port}`, {
      name: 'Corporate IdP',
      mapping: { defaultRole: 'editor' },
    });
    expect(connection).toMatch(/^sso_/);
    const cp = postgres(world.topology.controlPlaneDatabase.ownerUrl, { max: 1, onnotice: () => {} });
    try {
      await cp`insert into tenant_domains (domain, tenant_id, verification_token, verified_at)
               values ('web-integ-corp.example', ${main.tenantId}, 'token', now())`;
    } finally {
      await cp.end();
    }

    const page = await (await newContext(browser)).newPage();
    try {
      await page.goto(`http://quire.localhost:${port}/sign-in`);
      await page.getByLabel('Work email').fill('olga@web-integ-corp.example');
      await check(page, '01-find-organisation');
      await page.getByRole('button', { name: 'Find my organisation' }).click();
      await page.waitForURL(url(main, '/sign-in'));
      const sso = page.getByRole('button', { name: 'Sign in with Corporate IdP', exact: true });
      await sso.waitFor();
      // Passwords still work beside SSO.
      await page.getByLabel('Password').waitFor();
      await check(page, '02-sign-in-with-sso');

      // The live channel of a cookie session: the cookie goes along (same origin), no token offered.
      const frames: string[] = [];
      page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
      await sso.click();
      await idpLogin(page, 'olga@web-integ-corp.example', 'Olga Okta');
      await page.waitForURL(url(main, '/'));
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      // A cookie session: no token anywhere a script could read it.
      const kept = await storage(page);
      expect(kept.session).not.toContain('quire.refresh');
      expect(`${kept.session}${kept.local}${kept.cookies}`).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
      expect(kept.cookies).toContain('__Host-quire_csrf=');
      expect(kept.cookies).not.toContain('__Host-quire_at');
      const cookies = await page.context().cookies(url(main, '/'));
      expect(cookies.find((c) => c.name === '__Host-quire_at')).toMatchObject({
        httpOnly: true,
        secure: true,
      });
      await eventually(
        async () => frames.some((f) => f.includes('"type":"ready"')),
        'the live channel opens',
      );

      // A change made with the cookie (and the CSRF token): a folder.
      await page.getByRole('button', { name: 'New folder' }).click();
      await page.getByLabel('Folder name').fill('Made after SSO');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('link', { name: 'Made after SSO' }).first().waitFor();

      // A reload picks the session up again; signing out ends it for good.
      await page.reload();
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Quire' }).waitFor();
      await eventually(
        async () => !(await page.context().cookies(url(main, '/'))).some((c) => c.name === '__Host-quire_at'),
        'the cell cleared the session cookies',
      );
      await page.goto(url(main, '/'));
      await page.getByRole('heading', { name: 'Sign in to Quire' }).waitFor();
      const olga = (await ok(main, 'GET', '/v1/users', main.token)).items.find(
        (u: { email: string }) => u.email === 'olga@web-integ-corp.example',
      );
      expect(olga).toBeTruthy();
    } catch (err) {
      await screenshot(page, 'integ-failed-sso').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('when the organisation asks for a second factor, the SSO login continues on the app’s MFA page, then to the page asked for', async () => {
    const o = orgs.mfa;
    const call = async (method: string, path: string, body?: unknown) => api(o, method, path, o.token, body);
    await configureOidc(call, idp, `http://${o.host}:${port}`, { name: 'Corporate IdP' });
    const started = await ok(o, 'POST', '/v1/me/mfa/totp', o.token);
    await ok(o, 'POST', '/v1/me/mfa/totp/confirm', o.token, { code: totpCode(started.secret) });
    await ok(o, 'PUT', '/v1/identity/settings', o.token, { mfaRequired: 'all' });

    const page = await (await newContext(browser)).newPage();
    try {
      // Going to a page without a session: sign-in first, and that page once signed in.
      await page.goto(url(o, '/trash'));
      await page.waitForURL(url(o, '/sign-in'));
      await page.getByRole('button', { name: 'Sign in with Corporate IdP', exact: true }).click();
      await idpLogin(page, 'mia@web-integ-mfa.example', 'Mia Multi');
      await page.waitForURL((u) => u.pathname === '/login/mfa');
      await page.getByText('Your identity provider signed you in.', { exact: false }).waitFor();
      await check(page, '03-mfa-after-sso');
      await page.getByRole('button', { name: 'Set up an authenticator app first' }).click();
      const secret = await page.getByLabel('Key').inputValue();
      await page.getByLabel('Code from your authenticator app', { exact: false }).fill(totpCode(secret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('list', { name: 'Recovery codes' }).waitFor();
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.getByRole('heading', { name: 'Trash', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/trash');
      expect((await storage(page)).cookies).toContain('__Host-quire_csrf=');
    } catch (err) {
      await screenshot(page, 'integ-failed-mfa').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 90_000);

  it('a return from the IdP the cell refuses (a stale or replayed flow) lands on the sign-in page, which says so', async () => {
    const o = orgs.mfa;
    const conns = await ok(o, 'GET', '/v1/sso/connections', o.token);
    const id = (conns.items as { id: string }[])[0]!.id;
    const page = await (await newContext(browser)).newPage();
    try {
      await page.goto(url(o, `/v1/auth/sso/${id}/callback?code=stale&state=not-a-flow-of-this-browser`));
      await page.waitForURL(url(o, '/sign-in'));
      await page
        .getByRole('alert')
        .getByText('Signing in through your identity provider did not complete.', { exact: false })
        .waitFor();
      // The reason was after `#` (never sent), and is gone from the address once read.
      expect(new URL(page.url()).hash).toBe('');
      await check(page, '03b-sso-landing-refused');
    } catch (err) {
      await screenshot(page, 'integ-failed-landing').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

describe('break-glass', () => {
  it('with the IdP down the sign-in page says so and leads to break-glass: password, code, a session marked as such', async () => {
    const o = orgs.glass;
    const down = await startOidcIdp();
    const call = async (method: string, path: string, body?: unknown) => api(o, method, path, o.token, body);
    await configureOidc(call, down, `http://${o.host}:${port}`, { name: 'Corporate IdP' });
    // A break-glass account, its second factor set up ahead of the outage; then SSO only.
    const glass = { email: 'glass@web-integ-glass.example', name: 'Break Glass', role: 'admin', password };
    const user = await ok(o, 'POST', '/v1/users', o.token, glass);
    const token = (
      await ok(o, 'POST', '/v1/auth/login', null, { email: glass.email, password, session: 'token' })
    ).accessToken as string;
    const started = await ok(o, 'POST', '/v1/me/mfa/totp', token);
    await ok(o, 'POST', '/v1/me/mfa/totp/confirm', token, { code: totpCode(started.secret) });
    await ok(o, 'PATCH', `/v1/users/${user.id}`, o.token, { breakGlass: true });
    await ok(o, 'PUT', '/v1/identity/settings', o.token, { passwordLogin: 'sso_only' });
    await down.close();

    const page = await (await newContext(browser)).newPage();
    try {
      await page.goto(url(o, '/sign-in'));
      await page.getByText('Your organisation signs in with single sign-on only.').waitFor();
      expect(await page.getByLabel('Password').count()).toBe(0);
      await page.getByRole('button', { name: 'Sign in with Corporate IdP', exact: true }).click();
      await page.getByText('Corporate IdP is not answering.', { exact: false }).waitFor();
      await check(page, '04-idp-down');
      await page.getByRole('link', { name: 'Emergency access for break-glass accounts' }).click();
      await page.getByRole('heading', { name: 'Emergency access', level: 1 }).waitFor();
      await check(page, '05-break-glass');
      await page.getByLabel('Break-glass account email').fill(glass.email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in with emergency access' }).click();
      await page
        .getByLabel('Code from your authenticator app', { exact: false })
        .fill(futureCode(started.secret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'All documents', level: 1 }).waitFor();
      const banner = page.getByRole('status').filter({ hasText: 'Emergency access.' });
      await banner.getByText('You signed in with a break-glass account', { exact: false }).waitFor();
      await check(page, '06-break-glass-session');
      // The banner survives a reload (this tab's session), and the admins were alerted.
      await page.reload();
      await banner.waitFor();
      const alerts = await ok(o, 'GET', '/v1/identity/alerts', o.token);
      expect(alerts.items.map((a: { code: string }) => a.code)).toContain('sso_bypass');
    } catch (err) {
      await screenshot(page, 'integ-failed-break-glass').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 90_000);
});

describe('webhooks', () => {
  it('an admin adds a webhook, sees its secret once, and follows a delivery retried to success in the log', async () => {
    const main = orgs.main;
    const page = await signIn(main, main.admin);
    page.on('dialog', (d) => void d.accept());
    try {
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      await check(page, '07-webhooks-empty');
      await page.getByLabel('Address (URL)').fill(receiverUrl);
      await page.getByRole('checkbox', { name: 'Comment added' }).check();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const secretField = page.getByLabel(`Signing secret of ${receiverUrl}`);
      const secret = await secretField.inputValue();
      expect(secret).toMatch(/^whsec_/);
      await page.locator('tr[data-webhook]').first().waitFor();
      await check(page, '08-webhook-secret-once');
      await page.getByRole('button', { name: 'I have saved it' }).click();
      await secretField.waitFor({ state: 'detached' });
      await page.reload();
      await page.locator('tr[data-webhook]').first().waitFor();
      expect(await page.content()).not.toContain(secret);

      // A comment: the receiver answers 500 once, then 204; the log shows both.
      failNext = 1;
      const doc = await ok(main, 'POST', '/v1/documents', main.token, new TextEncoder().encode('hooked'));
      const documentId = (doc.document?.id ?? doc.id) as string;
      await ok(main, 'POST', `/v1/documents/${documentId}/comments`, main.token, { body: 'Ping the hook' });
      await eventually(async () => received.length >= 2, 'delivered on the second attempt', {
        timeoutMs: 20_000,
      });
      const last = received[1]!;
      const signed = `v1=${createHmac('sha256', secret).update(`${last.headers['x-quire-timestamp']}.${last.body}`).digest('hex')}`;
      expect(last.headers['x-quire-signature']).toBe(signed);
      expect(last.body).not.toContain('Ping the hook');

      await page.getByRole('button', { name: `Deliveries to ${receiverUrl}` }).click();
      const log = page.getByRole('region', { name: `Deliveries to ${receiverUrl}` });
      const row = log.locator('tr[data-delivery]').first();
      await row.getByRole('cell', { name: 'Delivered' }).waitFor({ timeout: 15_000 });
      await row.getByRole('cell', { name: '2', exact: true }).waitFor();
      await row.getByRole('cell', { name: 'HTTP 204' }).waitFor();
      await check(page, '09-webhook-deliveries');

      // Pause and resume, then remove.
      await page.getByRole('button', { name: `Pause the webhook to ${receiverUrl}` }).click();
      await page.locator('tr[data-webhook]').getByRole('cell', { name: 'Paused' }).waitFor();
      expect((await ok(main, 'GET', '/v1/webhooks', main.token)).items[0].active).toBe(false);
      await page.getByRole('button', { name: `Resume the webhook to ${receiverUrl}` }).click();
      await page.locator('tr[data-webhook]').getByRole('cell', { name: 'Active' }).waitFor();
      await page.getByRole('button', { name: `Remove the webhook to ${receiverUrl}` }).click();
      await page.getByText('No webhooks yet.').waitFor();
      expect((await ok(main, 'GET', '/v1/webhooks', main.token)).items).toEqual([]);
    } catch (err) {
      await screenshot(page, 'integ-failed-webhooks').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 120_000);

  it('a target on a private network is refused, and the page says why', async () => {
    const eu = orgs.eu;
    const page = await signIn(eu, eu.admin);
    try {
      await page.goto(url(eu, '/admin/webhooks'));
      await page.getByLabel('Address (URL)').fill('https://10.0.0.7/hooks');
      await page.getByRole('checkbox', { name: 'Shared with someone' }).check();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: 'This address is on a private or internal network.' })
        .waitFor();
      await check(page, '10-webhook-private-target');
      expect((await ok(eu, 'GET', '/v1/webhooks', eu.token)).items).toEqual([]);
      // A phone: the form fits the width (no sideways scrolling).
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await check(page, '10b-webhooks-phone');
    } finally {
      await page.context().close();
    }
  }, 60_000);
});

describe('SCIM tokens', () => {
  it('an admin makes a SCIM token (shown once) that provisions, and revokes it: the next SCIM call is 401', async () => {
    const main = orgs.main;
    const page = await signIn(main, main.admin);
    page.on('dialog', (d) => void d.accept());
    try {
      await page.getByRole('link', { name: 'Sign-in and security' }).click();
      const section = page.getByRole('region', { name: 'Provisioning (SCIM)' });
      await section.getByText('No SCIM tokens.').waitFor();
      expect(await section.getByLabel('SCIM address').inputValue()).toBe(url(main, '/scim/v2'));
      await section.getByLabel('Token name').fill('Okta provisioning');
      await section.getByRole('button', { name: 'Create SCIM token' }).click();
      const token = await section.getByLabel('SCIM token “Okta provisioning”').inputValue();
      expect(token.length).toBeGreaterThan(20);
      await section.locator('tr[data-scim-token]').first().waitFor();
      await check(page, '11-scim-token');

      const scim = (t: string) =>
        world.edge.fetch(`http://${main.host}/scim/v2/Users?count=1`, {
          headers: { authorization: `Bearer ${t}` },
        });
      // SCIM answers SCIM (JSON), not the web app, on the organisation's hostname.
      const listed = await scim(token);
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { schemas: string[] }).schemas).toContain(
        'urn:ietf:params:scim:api:messages:2.0:ListResponse',
      );
      await section.getByRole('button', { name: 'I have saved it' }).click();
      await section.getByRole('button', { name: 'Revoke the SCIM token Okta provisioning' }).click();
      await section.getByText('No SCIM tokens.').waitFor();
      expect((await scim(token)).status).toBe(401);
    } catch (err) {
      await screenshot(page, 'integ-failed-scim').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
    }
  }, 90_000);
});

describe('share links', () => {
  it('an owner changes a link’s expiry, password and limit; opened, the link then asks for the password', async () => {
    const main = orgs.main;
    const doc = await ok(main, 'POST', '/v1/documents', main.token, new TextEncoder().encode('The plan.'));
    const documentId = (doc.document?.id ?? doc.id) as string;
    const page = await signIn(main, main.admin);
    const stranger = await (await newContext(browser)).newPage();
    try {
      await page.goto(url(main, `/documents/${documentId}`));
      await page.getByRole('heading', { name: 'External links' }).waitFor();
      await page.getByRole('button', { name: 'Create link' }).click();
      const link = await page.getByLabel('New link').inputValue();
      await page.locator('tr[data-link]').first().waitFor();

      // Open without a password first: it opens.
      await stranger.goto(link);
      await stranger.getByRole('heading', { name: 'plan.txt' }).waitFor();

      await page.getByRole('button', { name: /^Change the link created/ }).click();
      const form = page.getByRole('form', { name: /^Change the link created/ });
      const expires = form.getByLabel('Expires at the end of');
      expect(await expires.getAttribute('max')).toBeTruthy();
      const day = new Date(Date.now() + 5 * 86_400_000);
      const value = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
      await expires.fill(value);
      await form.getByLabel('Download limit (empty: none)').fill('3');
      await form.getByRole('radio', { name: 'Add a password' }).check();
      await form.getByLabel('New password').fill('link password 2');
      await check(page, '12-share-link-edit');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.waitFor({ state: 'detached' });
      const row = page.locator('tr[data-link]').first();
      await row.getByRole('cell', { name: 'Yes' }).waitFor();
      await row.getByRole('cell', { name: '0 of 3' }).waitFor();

      const links = await ok(
        main,
        'GET',
        `/v1/share-links?resourceType=document&resourceId=${documentId}`,
        main.token,
      );
      expect(links.items[0]).toMatchObject({ hasPassword: true, maxDownloads: 3 });
      // The end of the chosen day in the browser's time zone (Berlin).
      const expiresAt = new Date(links.items[0].expiresAt);
      expect(expiresAt.toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' })).toBe(value);

      // The same link now asks for the password.
      await stranger.reload();
      await stranger.getByLabel('Password').fill('link password 2');
      await stranger.getByRole('button', { name: 'Open' }).click();
      await stranger.getByRole('heading', { name: 'plan.txt' }).waitFor();
    } catch (err) {
      await screenshot(page, 'integ-failed-links').catch(() => {});
      throw err;
    } finally {
      await page.context().close();
      await stranger.context().close();
    }
  }, 90_000);
});

describe('permissions', () => {
  it('a non-admin sees none of the admin screens, and the API refuses them', async () => {
    const main = orgs.main;
    const page = await signIn(main, viewer.email);
    try {
      expect(await page.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Sign-in and security' }).count()).toBe(0);
      for (const path of ['/admin/webhooks', '/admin/identity']) {
        await page.goto(url(main, path));
        await page.getByText('Only administrators can see this page.').waitFor();
      }
      const token = (
        await ok(main, 'POST', '/v1/auth/login', null, { email: viewer.email, password, session: 'token' })
      ).accessToken as string;
      expect((await api(main, 'GET', '/v1/webhooks', token)).status).toBe(403);
      expect(
        (await api(main, 'POST', '/v1/webhooks', token, { url: receiverUrl, events: ['comment.created'] }))
          .status,
      ).toBe(403);
      expect((await api(main, 'GET', '/v1/scim/tokens', token)).status).toBe(403);
      expect((await api(main, 'POST', '/v1/scim/tokens', token, { name: 'mine' })).status).toBe(403);
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
