import { signEdgeAssertion } from '@quire/shared/edge-assertion';
import { sealForCell } from '@quire/shared/sealed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  startTestCell,
  type TestCell,
} from '../../../test/support/harness.ts';

const SECRET = 'edge-assertion-secret-0123456789abcdef';
const internal = { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' };

async function asserted(path: string, method: string, tenantId: string | null, secret = SECRET) {
  const requestId = `req${Math.random().toString(36).slice(2, 14)}`;
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-quire-edge-assertion': await signEdgeAssertion(secret, { requestId, tenantId, method, path }),
  };
  if (tenantId) headers['x-quire-tenant'] = tenantId;
  return headers;
}

describe('cell behind the edge', () => {
  let cell: TestCell;
  let strict: TestCell;
  beforeAll(async () => {
    cell = await startTestCell('us-1', undefined, { EDGE_ASSERTION_SECRET: SECRET });
    strict = await startTestCell('us-1', undefined, {
      EDGE_ASSERTION_SECRET: SECRET,
      EDGE_ASSERTION_REQUIRED: 'true',
    });
  });
  afterAll(async () => {
    await cell.close();
    await strict.close();
  });

  it('names itself on every response, errors included', async () => {
    const ok = await cell.app.request('/healthz');
    expect(ok.headers.get('x-quire-cell')).toBe('us-1');
    const missing = await call(cell, null, 'GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-quire-cell')).toBe('us-1');
    const unauth = await call(cell, null, 'GET', '/v1/me');
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('x-quire-cell')).toBe('us-1');
  });

  it('logs in on a tenant subdomain: the tenant comes from the asserted edge header', async () => {
    const { tenantId } = await buildTenant(cell);
    const email = `admin@${tenantId.replace('_', '-')}.test`;
    const res = await cell.app.request('/v1/auth/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await asserted('/v1/auth/login', 'POST', tenantId)),
      },
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    expect(res.status).toBe(200);
  });

  it('refuses a body tenant that contradicts the hostname tenant, and a missing tenant', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const email = `admin@${b.tenantId.replace('_', '-')}.test`;
    const res = await cell.app.request('/v1/auth/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await asserted('/v1/auth/login', 'POST', a.tenantId)),
      },
      body: JSON.stringify({ tenantId: b.tenantId, email, password: 'correct horse battery staple' }),
    });
    // As the edge answers the same two cases: another tenant than the hostname's, and no tenant at all.
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('tenant_mismatch');
    const none = await call(cell, null, 'POST', '/v1/auth/login', { email, password: 'x' });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthenticated');
  });

  it('ignores a spoofed tenant header without a valid assertion', async () => {
    const { tenantId } = await buildTenant(cell);
    const email = `admin@${tenantId.replace('_', '-')}.test`;
    const forged = await asserted('/v1/auth/login', 'POST', tenantId, 'not-the-secret-0123456789abcdef0123');
    const res = await cell.app.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...forged },
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    expect(res.status).toBe(401);
    const noAssertion = await cell.app.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-quire-tenant': tenantId },
      body: JSON.stringify({ email, password: 'correct horse battery staple' }),
    });
    expect(noAssertion.status).toBe(401); // the header alone names no tenant
  });

  it('refuses a token of another tenant than the one the edge routed the request for', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const path = '/v1/folders/root/children';
    const routedForB = await cell.app.request(path, {
      headers: { ...(await asserted(path, 'GET', b.tenantId)), ...a.admin.headers },
    });
    expect(routedForB.status).toBe(403);
    expect(((await routedForB.json()) as { error: { code: string } }).error.code).toBe('tenant_mismatch');
    const routedForA = await cell.app.request(path, {
      headers: { ...(await asserted(path, 'GET', a.tenantId)), ...a.admin.headers },
    });
    expect(routedForA.status).toBe(200);
  });

  it('an assertion is bound to its path and method and expires', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    const forOtherPath = await asserted('/v1/folders', 'GET', tenantId);
    const res = await cell.app.request('/v1/me', { headers: { ...admin.headers, ...forOtherPath } });
    expect(res.status).toBe(401);
    const requestId = 'req-stale-000001';
    const stale = await signEdgeAssertion(
      SECRET,
      { requestId, tenantId, method: 'GET', path: '/v1/me' },
      Date.now() - 10 * 60_000,
    );
    const old = await cell.app.request('/v1/me', {
      headers: {
        ...admin.headers,
        'x-request-id': requestId,
        'x-quire-edge-assertion': stale,
        'x-quire-tenant': tenantId,
      },
    });
    expect(old.status).toBe(401);
  });

  it('when the edge is required, a direct user request is refused but health and internal calls are not', async () => {
    const direct = await call(strict, null, 'POST', '/v1/auth/login', {
      tenantId: 'ten_x',
      email: 'a@b.c',
      password: 'x',
    });
    expect(direct.status).toBe(401);
    expect(direct.body.error.code).toBe('unauthenticated');
    expect((await strict.app.request('/healthz')).status).toBe(200);
    expect((await strict.app.request('/internal/v1/cell', { headers: internal })).status).toBe(200);
  });
});

describe('provisioning with a sealed admin', () => {
  let cell: TestCell;
  beforeAll(async () => {
    cell = await startTestCell('eu-1');
  });
  afterAll(async () => {
    await cell.close();
  });

  async function sealingKey() {
    const res = await cell.app.request('/internal/v1/cell', { headers: internal });
    const body = (await res.json()) as { sealingKey: any; issuer: string; keys: unknown[] };
    expect(body.issuer).toBe('https://eu-1.cells.test');
    expect(body.keys.length).toBeGreaterThan(0);
    return body.sealingKey;
  }

  it('opens the admin sealed to it, and the admin can log in', async () => {
    const tenantId = `ten_sealed${Date.now().toString(36)}`;
    const admin = {
      email: 'first.admin@sealed.test',
      name: 'First Admin',
      password: 'a long initial password',
    };
    const sealed = await sealForCell(await sealingKey(), `provision:${tenantId}`, admin);
    const put = await cell.app.request(`/internal/v1/tenants/${tenantId}`, {
      method: 'PUT',
      headers: internal,
      body: JSON.stringify({ slug: tenantId.slice(4), plan: 'standard', admin: { sealed } }),
    });
    expect(put.status).toBe(200);
    const login = await call(cell, null, 'POST', '/v1/auth/login', {
      tenantId,
      email: admin.email,
      password: admin.password,
    });
    expect(login.status).toBe(200);
    const state = await cell.app.request(`/internal/v1/tenants/${tenantId}`, { headers: internal });
    expect(await state.json()).toMatchObject({ id: tenantId, status: 'active' });
  });

  it('a retry never adds a second first admin to a tenant that exists', async () => {
    const tenantId = `ten_once${Date.now().toString(36)}`;
    const put = (email: string) =>
      call(cell, { headers: internal } as any, 'PUT', `/internal/v1/tenants/${tenantId}`, {
        slug: tenantId.slice(4),
        plan: 'standard',
        admin: { email, name: 'First', password: 'a long initial password' },
      });
    expect((await put('first@once.test')).status).toBe(200);
    expect((await put('first@once.test')).status).toBe(200);
    const other = await put('intruder@once.test');
    expect(other.status).toBe(409);
    const login = await call(cell, null, 'POST', '/v1/auth/login', {
      tenantId,
      email: 'intruder@once.test',
      password: 'a long initial password',
    });
    expect(login.status).toBe(401);
  });

  it('refuses a payload sealed for another tenant, or not sealed for this cell', async () => {
    const key = await sealingKey();
    const sealed = await sealForCell(key, 'provision:ten_someoneelse', { email: 'x@y.z', name: 'X' });
    const res = await call(cell, { headers: internal } as any, 'PUT', '/internal/v1/tenants/ten_victim', {
      slug: 'victim',
      plan: 'standard',
      admin: { sealed },
    });
    expect(res.status).toBe(400);
    const garbage = await call(cell, { headers: internal } as any, 'PUT', '/internal/v1/tenants/ten_victim', {
      slug: 'victim',
      plan: 'standard',
      admin: { sealed: 'eyJhbGciOiJub25lIn0.garbage.garbage.garbage.garbage' },
    });
    expect(garbage.status).toBe(400);
    const missing = await cell.app.request('/internal/v1/tenants/ten_victim', { headers: internal });
    expect(missing.status).toBe(404);
  });

  it('the internal state routes need the internal credential', async () => {
    expect((await cell.app.request('/internal/v1/cell')).status).toBe(401);
    const user = await buildTenant(cell);
    const res = await cell.app.request(`/internal/v1/tenants/${user.tenantId}`, {
      headers: user.admin.headers,
    });
    expect(res.status).toBe(401);
  });
});
