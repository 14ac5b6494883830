import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SamlFault, type SamlIdp, startSamlIdp } from '../../../infra/local/idp/saml.ts';
import { Browser, type Dispatch, network } from '../../../test/support/browser.ts';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';
import { enrolTotp } from '../../../test/support/identity.ts';
import { configureSaml, type IdpLogin, postAcs, samlRoundTrip } from '../../../test/support/sso.ts';
import { totpCode } from '../../src/modules/identity/mfa/totp.ts';

/**
 * SAML 2.0 per tenant against real SAML identity providers (one per tenant; signed with
 * xml-crypto), the cell in-process at http://cell.test. Only a signed assertion from the
 * tenant's own IdP, for the tenant's own SP entity, to our ACS, answering our request, in
 * time, once, is accepted.
 */
const ORIGIN = 'http://cell.test';
let cell: TestCell;
let idpA: SamlIdp;
let idpB: SamlIdp;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let connA: string;
let connB: string;

const dispatch: Dispatch = (url, init) =>
  url.host === 'cell.test' ? Promise.resolve(cell.app.request(url.href, init)) : network(url, init);
const as = (t: { admin: TestUser }) => (method: string, path: string, body?: unknown) =>
  call(cell, t.admin, method, path, body);

async function signIn(t: { tenantId: string }, conn: string, login: IdpLogin, br = new Browser(dispatch)) {
  const trip = await samlRoundTrip(br, ORIGIN, conn, login, { tenantId: t.tenantId });
  return { ...trip, res: trip.res!, browser: br };
}
async function meOf(br: Browser) {
  const res = await br.request(`${ORIGIN}/v1/me`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
async function failures(t: { admin: TestUser }) {
  const res = await call(cell, t.admin, 'GET', '/v1/audit?action=auth.sso_failed&limit=200');
  return (res.body.items as { details: { reason: string } }[]).map((e) => e.details.reason);
}

beforeAll(async () => {
  cell = await startTestCell();
  [idpA, idpB] = await Promise.all([startSamlIdp({ name: 'IdP A' }), startSamlIdp({ name: 'IdP B' })]);
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  connA = await configureSaml(as(a), idpA, {
    mapping: { roleClaim: 'groups', roles: { editor: ['writers'] }, defaultRole: 'viewer' },
  });
  connB = await configureSaml(as(b), idpB);
}, 60_000);
afterAll(async () => {
  await cell?.close();
  await idpA?.close();
  await idpB?.close();
});

describe('sign-in', () => {
  it('IdP metadata import, SP metadata, a signed assertion: JIT user with the mapped role', async () => {
    const meta = await cell.app.request(`${ORIGIN}/v1/auth/sso/${connA}/metadata?tenantId=${a.tenantId}`);
    expect(meta.status).toBe(200);
    const xml = await meta.text();
    expect(xml).toContain(`entityID="urn:quire:sp:${a.tenantId}:${connA}"`);
    expect(xml).toContain(`${ORIGIN}/v1/auth/sso/${connA}/acs`);
    const { res, browser } = await signIn(a, connA, {
      email: 'Sam@A.example',
      name: 'Sam',
      groups: ['writers'],
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    expect((await meOf(browser)).body).toMatchObject({
      email: 'sam@a.example',
      roles: ['editor'],
      credential: 'cookie',
    });
  });

  it('a replayed assertion is refused, even with a fresh login in flight', async () => {
    const first = await signIn(a, connA, { email: 'rita@a.example' });
    expect(first.res.status).toBe(303);
    expect((await postAcs(first.browser, first.acs, first.samlResponse, first.relayState)).status).toBe(401);
    // The same assertion with a new RelayState of the same browser: the assertion id is spent.
    const second = await samlRoundTrip(
      first.browser,
      ORIGIN,
      connA,
      { email: 'rita@a.example' },
      {
        tenantId: a.tenantId,
        deliver: false,
      },
    );
    const replay = await postAcs(first.browser, second.acs, first.samlResponse, second.relayState);
    expect(replay.status).toBe(401);
    expect(await failures(a)).toEqual(expect.arrayContaining(['state', 'assertion:in_response_to']));
  });
});

describe('assertions the cell must refuse', () => {
  const cases: [SamlFault, string][] = [
    ['unsigned', 'assertion:signature'],
    ['tampered', 'assertion:signature'],
    ['wrong_key', 'assertion:signature'],
    ['expired', 'assertion:expired'],
    ['not_yet_valid', 'assertion:expired'],
    ['audience', 'assertion:audience'],
    ['recipient', 'assertion:recipient'],
    ['issuer', 'assertion:'],
    ['in_response_to', 'assertion:in_response_to'],
  ];
  for (const [fault, reason] of cases) {
    it(fault, async () => {
      idpA.faults.next = fault;
      const { res, browser } = await signIn(a, connA, { email: 'mallory@a.example' });
      idpA.faults.next = null;
      expect(res.status, await res.clone().text()).toBe(401);
      expect(browser.cookie('cell.test', '__Host-quire_at')).toBeUndefined();
      const seen = await failures(a);
      expect(
        seen.some((r) => r.startsWith(reason)),
        seen.join(','),
      ).toBe(true);
    });
  }
});

describe('one tenant’s IdP never signs users into another tenant', () => {
  it('an assertion of tenant B’s IdP posted to tenant A’s ACS with A’s RelayState is refused, and the other way round', async () => {
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
      const victim = await samlRoundTrip(
        br,
        ORIGIN,
        to.conn,
        { email: 'v@victim.example' },
        {
          tenantId: to.t.tenantId,
          deliver: false,
        },
      );
      const attacker = await samlRoundTrip(
        new Browser(dispatch),
        ORIGIN,
        from.conn,
        { email: 'boss@victim.example' },
        {
          tenantId: from.t.tenantId,
          deliver: false,
        },
      );
      const res = await postAcs(br, victim.acs, attacker.samlResponse, victim.relayState);
      expect(res.status).toBe(401);
      // The attacker's response with its own RelayState, on the victim's ACS path.
      expect((await postAcs(br, victim.acs, attacker.samlResponse, attacker.relayState)).status).toBe(401);
    }
    for (const t of [a, b]) {
      const users = await call(cell, t.admin, 'GET', '/v1/users');
      expect(users.body.items.map((u: { email: string }) => u.email)).not.toContain('boss@victim.example');
    }
  });
});

describe('with MFA', () => {
  it('the SAML login owes our TOTP when MFA is required; the IdP’s MFA counts only when trusted', async () => {
    const t = await buildTenant(cell);
    const idp = await startSamlIdp();
    try {
      await enrolTotp(cell, t.admin);
      await call(cell, t.admin, 'PUT', '/v1/identity/settings', { mfaRequired: 'all' });
      const conn = await configureSaml(as(t), idp);
      const first = await signIn(t, conn, { email: 'gina@t.example', mfa: true });
      expect(first.res.headers.get('location')).toBe('/login/mfa');
      const enrol = await first.browser.request(`${ORIGIN}/v1/auth/mfa/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { secret } = (await enrol.json()) as { secret: string };
      const verified = await first.browser.request(`${ORIGIN}/v1/auth/mfa/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: totpCode(secret) }),
      });
      expect(verified.status).toBe(200);
      expect((await meOf(first.browser)).body).toMatchObject({ mfa: true });
      await call(cell, t.admin, 'PUT', '/v1/identity/settings', { trustIdpMfa: true });
      const trusted = await signIn(t, conn, { email: 'hugo@t.example', mfa: true });
      expect(trusted.res.headers.get('location')).toBe('/');
    } finally {
      await idp.close();
    }
  });
});
