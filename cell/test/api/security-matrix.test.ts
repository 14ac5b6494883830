import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, INTERNAL_TOKEN, startTestCell, type TestCell } from '../../../test/support/harness.ts';
import { type Operation, operationsOf, send } from '../../../test/support/security-matrix.ts';

/**
 * Every route of the cell, from its own OpenAPI document, against the identities that must
 * never get through: no token, garbage, an unsigned token, a token signed by another cell's
 * key, a suspended tenant's valid token, and (internal routes) a user's token. A route that
 * forgets its guard fails here the day it is added.
 */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /v1/openapi.json',
  'GET /.well-known/jwks.json',
  'POST /v1/auth/login',
  'POST /v1/auth/refresh',
  'POST /v1/auth/accept-invitation',
  // The second factor of a login: the challenge token (or its cookie) is the credential.
  'POST /v1/auth/mfa/enroll',
  'POST /v1/auth/mfa/verify',
  // Single sign-on round trips: one-time state/RelayState tokens and signed IdP answers.
  'GET /v1/auth/sso/{id}/start',
  'GET /v1/auth/sso/{id}/callback',
  'POST /v1/auth/sso/{id}/acs',
  'GET /v1/auth/sso/{id}/metadata',
  // Password + second factor, only while SSO is unavailable.
  'POST /v1/auth/break-glass',
  // What the sign-in page offers (identity providers by id and name, passwords allowed).
  'GET /v1/auth/options',
  // External share links: the token in the path is the credential (see cell/test/collaboration/links.test.ts).
  'GET /v1/share/{token}',
  'POST /v1/share/{token}/open',
  'POST /v1/share/{token}/content',
]);

let cell: TestCell;
let other: TestCell;
let ops: Operation[];
let suspendedToken: string;
let foreignToken: string;
let userToken: string;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

beforeAll(async () => {
  cell = await startTestCell('us-1');
  other = await startTestCell('us-1'); // same id, its own signing key: an impostor cell
  ops = await operationsOf(cell);
  const suspended = await buildTenant(cell);
  const user = await buildTenant(cell);
  userToken = user.admin.token;
  const res = await cell.app.request(`/internal/v1/tenants/${suspended.tenantId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'suspended' }),
  });
  expect(res.status).toBe(200);
  cell.deps.tenants.invalidate(suspended.tenantId);
  suspendedToken = suspended.admin.token;
  const impostor = await buildTenant(other);
  foreignToken = impostor.admin.token;
});

afterAll(async () => {
  await cell.close();
  await other.close();
});

describe('security matrix over every route of the cell', () => {
  it('the OpenAPI document lists the routes, and only allow-listed ones are public', () => {
    expect(ops.length).toBeGreaterThan(30);
    const publicOps = ops.filter((o) => o.security === 'public').map((o) => `${o.method} ${o.path}`);
    for (const op of publicOps) expect(PUBLIC, `${op} is public`).toContain(op);
  });

  it('user routes: no token, garbage, alg none, another cell’s signature → 401; suspended → 403', async () => {
    const [h, p] = userToken.split('.');
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.`;
    const hs = await new SignJWT(JSON.parse(Buffer.from(p!, 'base64url').toString()))
      .setProtectedHeader({ alg: 'HS256', kid: JSON.parse(Buffer.from(h!, 'base64url').toString()).kid })
      .sign(new TextEncoder().encode('a guessed shared secret of 32 bytes!'));
    const cases: [string, Record<string, string>, number, string][] = [
      ['no token', {}, 401, 'unauthenticated'],
      ['garbage', { authorization: 'Bearer not-a-token' }, 401, 'unauthenticated'],
      ['basic auth', { authorization: 'Basic YWRtaW46YWRtaW4=' }, 401, 'unauthenticated'],
      ['alg none', { authorization: `Bearer ${unsigned}` }, 401, 'unauthenticated'],
      ['HS256', { authorization: `Bearer ${hs}` }, 401, 'unauthenticated'],
      ['impostor cell key', { authorization: `Bearer ${foreignToken}` }, 401, 'unauthenticated'],
      ['suspended tenant', { authorization: `Bearer ${suspendedToken}` }, 403, 'tenant_suspended'],
    ];
    const userOps = ops.filter((o) => o.security === 'user');
    expect(userOps.length).toBeGreaterThan(25);
    for (const op of userOps) {
      for (const [name, headers, status, code] of cases) {
        const res = await send(cell, op, headers);
        expect(res.status, `${op.method} ${op.path} with ${name}: ${res.text.slice(0, 200)}`).toBe(status);
        expect(res.body?.error?.code, `${op.method} ${op.path} with ${name}`).toBe(code);
      }
    }
  });

  it('internal routes: no credential, a wrong one, or a user token → 401', async () => {
    const internalOps = ops.filter((o) => o.security === 'internal');
    expect(internalOps.length).toBeGreaterThan(2);
    for (const op of internalOps) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: `Bearer ${INTERNAL_TOKEN.replace(/.$/, 'X')}` },
        { authorization: `Bearer ${userToken}` },
      ]) {
        const res = await send(cell, op, headers);
        expect(res.status, `${op.method} ${op.path}`).toBe(401);
      }
    }
  });
});
