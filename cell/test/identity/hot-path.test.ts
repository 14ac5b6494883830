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
import { addUser, asUser, enrolTotp } from '../../../test/support/identity.ts';

/**
 * GET /v1/documents/{id} answers in one SQL statement (document_view_v2), not through the
 * actor load every other route uses: it must refuse exactly what the normal road refuses.
 * Each credential below is tried on the hot read and on GET /v1/documents/{id}/versions.
 */
let cell: TestCell;
let t: { tenantId: string; admin: TestUser };
let docId: string;

beforeAll(async () => {
  cell = await startTestCell();
  t = await buildTenant(cell);
  docId = (await uploadDoc(cell, t.admin, 'hot path content')).body.document.id;
});
afterAll(async () => cell.close());

async function both(user: TestUser) {
  const hot = await call(cell, user, 'GET', `/v1/documents/${docId}`);
  const normal = await call(cell, user, 'GET', `/v1/documents/${docId}/versions`);
  return [hot.status, normal.status];
}

async function freshAdmin() {
  const u = await addUser(cell, t.admin, 'admin');
  return { ...u, session: await login(cell, t.tenantId, u.email, u.password) };
}

describe('the hot read refuses what every route refuses', () => {
  it('a live session reads on both roads', async () => {
    expect(await both((await freshAdmin()).session)).toEqual([200, 200]);
  });

  it('a revoked session', async () => {
    const u = await freshAdmin();
    await call(cell, u.session, 'POST', '/v1/auth/logout');
    expect(await both(u.session)).toEqual([401, 401]);
  });

  it('a disabled user', async () => {
    const u = await freshAdmin();
    await call(cell, t.admin, 'PATCH', `/v1/users/${u.userId}`, { status: 'disabled' });
    expect(await both(u.session)).toEqual([401, 401]);
  });

  it('a session that has not passed the second factor the user now has', async () => {
    const u = await freshAdmin();
    const other = await login(cell, t.tenantId, u.email, u.password);
    await enrolTotp(cell, u.session);
    expect(await both(other)).toEqual([401, 401]);
    expect(await both(u.session)).toEqual([200, 200]);
  });

  it('an API token without documents:read, and a SCIM token', async () => {
    const u = await freshAdmin();
    const audit = await call(cell, u.session, 'POST', '/v1/me/api-tokens', {
      name: 'a',
      scopes: ['audit:read'],
    });
    expect(await both(asUser(t.tenantId, u.userId, audit.body.token))).toEqual([403, 403]);
    const scim = await call(cell, u.session, 'POST', '/v1/scim/tokens', { name: 'scim' });
    expect(await both(asUser(t.tenantId, u.userId, scim.body.token))).toEqual([403, 403]);
    const read = await call(cell, u.session, 'POST', '/v1/me/api-tokens', {
      name: 'r',
      scopes: ['documents:read'],
    });
    expect(await both(asUser(t.tenantId, u.userId, read.body.token))).toEqual([200, 200]);
  });

  it('a user without access sees "not found" on both', async () => {
    const viewer = await addUser(cell, t.admin, 'viewer');
    expect(await both(await login(cell, t.tenantId, viewer.email, viewer.password))).toEqual([404, 404]);
  });
});
