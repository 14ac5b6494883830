import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
  type TestUser,
} from '../../../test/support/harness.ts';

let cell: TestCell;
let t: { tenantId: string; admin: TestUser };

const internal = (method: string, path: string, body: unknown) =>
  cell.app.request(path, {
    method,
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  cell.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  cell = await startTestCell();
  t = await buildTenant(cell);
});
afterAll(async () => cell.close());

describe('provisioning and invitations', () => {
  it('provisioning is idempotent and the first admin accepts a single-use invitation', async () => {
    const tenantId = `ten_inv${Date.now().toString(36)}`;
    const body = { slug: 'inv', plan: 'standard', admin: { email: 'Boss@Inv.test', name: 'Boss' } };
    const first = (await (await internal('PUT', `/internal/v1/tenants/${tenantId}`, body)).json()) as {
      adminUserId: string;
      invitationToken: string;
    };
    const again = (await (await internal('PUT', `/internal/v1/tenants/${tenantId}`, body)).json()) as {
      adminUserId: string;
      invitationToken: string;
    };
    expect(again.adminUserId).toBe(first.adminUserId);
    // A retry re-issues the invitation; the earlier token no longer works.
    expect(
      (
        await post('/v1/auth/accept-invitation', {
          token: first.invitationToken,
          password: 'a brand new password',
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post('/v1/auth/accept-invitation', {
          token: again.invitationToken,
          password: 'a brand new password',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post('/v1/auth/accept-invitation', {
          token: again.invitationToken,
          password: 'another password!!',
        })
      ).status,
    ).toBe(401);
    const login = await post('/v1/auth/login', {
      tenantId,
      email: 'boss@inv.test',
      password: 'a brand new password',
    });
    expect(login.status).toBe(200);
  });

  it('the internal API refuses user tokens, and user routes refuse the internal credential', async () => {
    const res = await cell.app.request(`/internal/v1/tenants/${t.tenantId}`, {
      method: 'PATCH',
      headers: { ...t.admin.headers, 'content-type': 'application/json' },
      body: '{"status":"suspended"}',
    });
    expect(res.status).toBe(401);
    expect(
      (await cell.app.request('/v1/me', { headers: { authorization: `Bearer ${INTERNAL_TOKEN}` } })).status,
    ).toBe(401);
  });
});

describe('sessions', () => {
  it('refresh rotates; reusing a spent refresh token revokes the session and its access tokens', async () => {
    const email = `admin@${t.tenantId.replace('_', '-')}.test`;
    const pair = (await (
      await post('/v1/auth/login', { tenantId: t.tenantId, email, password: 'correct horse battery staple' })
    ).json()) as { accessToken: string; refreshToken: string };
    const next = await post('/v1/auth/refresh', { refreshToken: pair.refreshToken });
    expect(next.status).toBe(200);
    const rotated = (await next.json()) as { accessToken: string; refreshToken: string };
    expect(rotated.refreshToken).not.toBe(pair.refreshToken);
    const data = () =>
      cell.app.request('/v1/folders/root/children', {
        headers: { authorization: `Bearer ${rotated.accessToken}` },
      });
    expect((await data()).status).toBe(200); // verified once, remembered until it expires
    expect((await post('/v1/auth/refresh', { refreshToken: pair.refreshToken })).status).toBe(401);
    expect((await post('/v1/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
    const me = await cell.app.request('/v1/me', {
      headers: { authorization: `Bearer ${rotated.accessToken}` },
    });
    expect(me.status).toBe(401); // /v1/me, like every route, reads the session on every request
    expect((await data()).status).toBe(401);
  });

  it('failed logins are throttled per tenant and address, and audited', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9' };
    let last = 0;
    for (let i = 0; i < 11; i++)
      last = (
        await post(
          '/v1/auth/login',
          { tenantId: t.tenantId, email: 'nobody@x.test', password: 'wrong' },
          headers,
        )
      ).status;
    expect(last).toBe(429);
    const audit = await call(cell, t.admin, 'GET', '/v1/audit?action=auth.login_failed&limit=500');
    expect(audit.body.items.length).toBeGreaterThanOrEqual(10);
  });
});

describe('tenant status', () => {
  it('a suspended tenant gets 403 tenant_suspended, and works again when resumed', async () => {
    const other = await buildTenant(cell);
    expect(
      (await internal('PATCH', `/internal/v1/tenants/${other.tenantId}`, { status: 'suspended' })).status,
    ).toBe(200);
    const res = await call(cell, other.admin, 'GET', '/v1/folders/root/children');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('tenant_suspended');
    await internal('PATCH', `/internal/v1/tenants/${other.tenantId}`, { status: 'active' });
    expect((await call(cell, other.admin, 'GET', '/v1/folders/root/children')).status).toBe(200);
  });
});
