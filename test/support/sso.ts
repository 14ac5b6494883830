import type { IdTokenFault, OidcIdp } from '../../infra/local/idp/oidc.ts';
import type { Browser } from './browser.ts';

export type { IdTokenFault };

export interface IdpLogin {
  email: string;
  name?: string;
  groups?: string[];
  mfa?: boolean;
}

/**
 * An admin configures an OIDC connection the way it is done for real: create it in Quire
 * (which tells the redirect URI), register that URI with the IdP, then give Quire the client id
 * and secret. `call` is an authenticated JSON call as the tenant's admin.
 */
export async function configureOidc(
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>,
  idp: OidcIdp,
  origin: string,
  o: { name?: string; mapping?: Record<string, unknown>; jit?: boolean } = {},
): Promise<string> {
  const created = await call('POST', '/v1/sso/connections', {
    protocol: 'oidc',
    name: o.name ?? 'Corporate IdP',
    jit: o.jit ?? true,
    oidc: { issuer: idp.issuer, clientId: 'pending', scopes: ['openid', 'email', 'profile', 'groups'] },
    ...(o.mapping ? { mapping: o.mapping } : {}),
  });
  if (created.status !== 201)
    throw new Error(`create connection: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  const client = await idp.registerClient([`${origin}/v1/auth/sso/${id}/callback`]);
  const patched = await call('PATCH', `/v1/sso/connections/${id}`, {
    oidc: {
      issuer: idp.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scopes: ['openid', 'email', 'profile', 'groups'],
    },
  });
  if (patched.status !== 200)
    throw new Error(`patch connection: ${patched.status} ${JSON.stringify(patched.body)}`);
  return id;
}

/**
 * A browser signing in through an OIDC connection: start on the tenant's origin, the IdP's
 * login form, and back. Stops before the callback unless `deliver`, and returns the callback
 * URL (so tests can replay it, deliver it elsewhere, or drop the browser binding).
 */
export async function oidcRoundTrip(
  browser: Browser,
  origin: string,
  connectionId: string,
  login: IdpLogin,
  o: { deliver?: boolean; returnTo?: string; tenantId?: string } = {},
): Promise<{ callback: URL; res: Response | null }> {
  const start = new URL(`${origin}/v1/auth/sso/${connectionId}/start`);
  if (o.returnTo) start.searchParams.set('returnTo', o.returnTo);
  // Only for a cell reached directly; through the edge the tenant's hostname names it.
  if (o.tenantId) start.searchParams.set('tenantId', o.tenantId);
  const toIdp = await browser.follow(start);
  if (toIdp.res.status !== 200)
    throw new Error(`IdP login page: ${toIdp.res.status} ${await toIdp.res.text()}`);
  const page = await toIdp.res.text();
  const posted = await browser.submit(page, toIdp.url, {
    email: login.email,
    name: login.name ?? login.email,
    groups: (login.groups ?? []).join(','),
    ...(login.mfa ? { mfa: 'on' } : {}),
  });
  const back = posted.headers.get('location');
  if (!back) throw new Error(`IdP login: ${posted.status} ${await posted.text()}`);
  const isCallback = (u: URL) => u.pathname.endsWith('/callback') && u.origin === new URL(origin).origin;
  const hop = isCallback(new URL(back, toIdp.url))
    ? { next: new URL(back, toIdp.url) }
    : await browser.follow(new URL(back, toIdp.url), {}, isCallback);
  if (!hop.next) throw new Error('never came back to the callback');
  const res = o.deliver === false ? null : await browser.request(hop.next);
  return { callback: hop.next, res };
}

export async function configureSaml(
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>,
  idp: { metadataXml: string },
  o: { name?: string; mapping?: Record<string, unknown>; jit?: boolean } = {},
): Promise<string> {
  const created = await call('POST', '/v1/sso/connections', {
    protocol: 'saml',
    name: o.name ?? 'Corporate SAML',
    jit: o.jit ?? true,
    saml: { idpMetadataXml: idp.metadataXml },
    ...(o.mapping ? { mapping: o.mapping } : {}),
  });
  if (created.status !== 201)
    throw new Error(`create SAML connection: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/**
 * A browser signing in through a SAML connection: start (a redirect to the IdP with the
 * AuthnRequest), the IdP's login form, and its auto-posting form back to the ACS. Unless
 * `deliver`, stops before posting and returns the form fields (to replay or splice them).
 */
export async function samlRoundTrip(
  browser: Browser,
  origin: string,
  connectionId: string,
  login: IdpLogin,
  o: { deliver?: boolean; tenantId?: string } = {},
): Promise<{ acs: URL; samlResponse: string; relayState: string; res: Response | null }> {
  const start = new URL(`${origin}/v1/auth/sso/${connectionId}/start`);
  if (o.tenantId) start.searchParams.set('tenantId', o.tenantId);
  const toIdp = await browser.follow(start);
  if (toIdp.res.status !== 200)
    throw new Error(`IdP login page: ${toIdp.res.status} ${await toIdp.res.text()}`);
  const posted = await browser.submit(await toIdp.res.text(), toIdp.url, {
    email: login.email,
    name: login.name ?? login.email,
    groups: (login.groups ?? []).join(','),
    ...(login.mfa ? { mfa: 'on' } : {}),
  });
  const page = await posted.text();
  if (posted.status !== 200) throw new Error(`IdP login: ${posted.status} ${page}`);
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`)
      .exec(page)?.[1]
      ?.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))) ?? '';
  const acs = new URL(
    /action="([^"]+)"/.exec(page)![1]!.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
  );
  const samlResponse = field('SAMLResponse');
  const relayState = field('RelayState');
  const res = o.deliver === false ? null : await postAcs(browser, acs, samlResponse, relayState);
  return { acs, samlResponse, relayState, res };
}

export function postAcs(browser: Browser, acs: URL, samlResponse: string, relayState: string) {
  return browser.request(acs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }).toString(),
  });
}
