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
import { addUser, asUser, loginRaw } from '../../../test/support/identity.ts';

/**
 * Sessions and the user lifecycle: logout, logout everywhere, one's own sessions, an admin
 * revoking a user's sessions, role changes, disable/enable and offboarding with a transfer.
 * Every revocation must bite on the very next request (the cell reads the session each time).
 */
let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
});
afterAll(async () => cell.close());

const me = (u: TestUser) => call(cell, u, 'GET', '/v1/me');

async function freshSession(email: string, password: string) {
  const res = await loginRaw(cell, a.tenantId, email, password);
  expect(res.status).toBe(200);
  const user = asUser(a.tenantId, '', res.body.accessToken);
  user.userId = (await me(user)).body.userId;
  return { user, refreshToken: res.body.refreshToken as string };
}

describe('logout', () => {
  it('logout ends this session at once, and its refresh token with it', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(u.email, u.password);
    expect((await me(s.user)).status).toBe(200);
    expect((await call(cell, s.user, 'POST', '/v1/auth/logout')).status).toBe(204);
    expect((await me(s.user)).status).toBe(401);
    expect((await call(cell, s.user, 'GET', '/v1/folders/root/children')).status).toBe(401);
    expect(
      (await call(cell, null, 'POST', '/v1/auth/refresh', { refreshToken: s.refreshToken })).status,
    ).toBe(401);
  });

  it('logout everywhere ends every login of the caller and no one else’s; API tokens stay', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const one = await freshSession(u.email, u.password);
    const two = await freshSession(u.email, u.password);
    const token = await call(cell, one.user, 'POST', '/v1/me/api-tokens', {
      name: 'script',
      scopes: ['documents:read'],
    });
    expect(token.status).toBe(201);
    const res = await call(cell, one.user, 'POST', '/v1/auth/logout-all');
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(2);
    expect((await me(one.user)).status).toBe(401);
    expect((await me(two.user)).status).toBe(401);
    expect((await me(a.admin)).status).toBe(200);
    expect((await me(asUser(a.tenantId, u.userId, token.body.token))).status).toBe(200);
  });
});

describe('my sessions', () => {
  it('lists my live sessions (this one marked current) and ends another one by id', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const one = await freshSession(u.email, u.password);
    const two = await freshSession(u.email, u.password);
    const list = await call(cell, one.user, 'GET', '/v1/me/sessions');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    const current = list.body.items.find((s: { current: boolean }) => s.current);
    const other = list.body.items.find((s: { current: boolean }) => !s.current);
    expect(current.method).toBe('password');
    expect(current.amr).toEqual(['pwd']);
    expect((await call(cell, one.user, 'DELETE', `/v1/me/sessions/${other.id}`)).status).toBe(204);
    expect((await me(two.user)).status).toBe(401);
    expect((await me(one.user)).status).toBe(200);
    expect((await call(cell, one.user, 'GET', '/v1/me/sessions')).body.items).toHaveLength(1);
  });

  it("another user's session, or another tenant's, is not found", async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    const s = await freshSession(u.email, u.password);
    const adminSessions = await call(cell, a.admin, 'GET', '/v1/me/sessions');
    const adminSession = adminSessions.body.items[0].id as string;
    expect((await call(cell, s.user, 'DELETE', `/v1/me/sessions/${adminSession}`)).status).toBe(404);
    expect((await call(cell, b.admin, 'DELETE', `/v1/me/sessions/${adminSession}`)).status).toBe(404);
    expect((await me(a.admin)).status).toBe(200);
  });
});

describe('admins and a user’s sessions', () => {
  it('an admin revokes every session and token of a user; effective on the next request', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(u.email, u.password);
    const token = await call(cell, s.user, 'POST', '/v1/me/api-tokens', {
      name: 'ci',
      scopes: ['documents:read'],
    });
    const res = await call(cell, a.admin, 'DELETE', `/v1/users/${u.userId}/sessions`);
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(2);
    expect((await me(s.user)).status).toBe(401);
    expect((await me(asUser(a.tenantId, u.userId, token.body.token))).status).toBe(401);
  });

  it('non-admins may not; another tenant’s admin finds no such user', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(u.email, u.password);
    expect((await call(cell, s.user, 'DELETE', `/v1/users/${a.admin.userId}/sessions`)).status).toBe(403);
    expect((await call(cell, b.admin, 'DELETE', `/v1/users/${u.userId}/sessions`)).status).toBe(404);
    expect((await call(cell, b.admin, 'PATCH', `/v1/users/${u.userId}`, { role: 'viewer' })).status).toBe(
      404,
    );
    expect(
      (await call(cell, b.admin, 'POST', `/v1/users/${u.userId}/offboard`, { transferTo: null })).status,
    ).toBe(404);
    expect((await me(s.user)).status).toBe(200);
  });
});

describe('user PATCH', () => {
  it('a role change takes effect on the next request, whatever the token says', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(u.email, u.password);
    expect((await uploadDoc(cell, s.user, 'editor content')).status).toBe(201);
    const res = await call(cell, a.admin, 'PATCH', `/v1/users/${u.userId}`, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('viewer');
    expect((await uploadDoc(cell, s.user, 'viewer content')).status).toBe(403);
    expect((await me(s.user)).body.roles).toEqual(['viewer']);
  });

  it('disable ends every session and refuses logins; re-enable lets the user log in again', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(u.email, u.password);
    const off = await call(cell, a.admin, 'PATCH', `/v1/users/${u.userId}`, { status: 'disabled' });
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('disabled');
    expect((await me(s.user)).status).toBe(401);
    expect((await loginRaw(cell, a.tenantId, u.email, u.password)).status).toBe(401);
    const on = await call(cell, a.admin, 'PATCH', `/v1/users/${u.userId}`, { status: 'active' });
    expect(on.body.status).toBe('active');
    expect((await loginRaw(cell, a.tenantId, u.email, u.password)).status).toBe(200);
    const audit = await call(cell, a.admin, 'GET', `/v1/audit?resourceId=${u.userId}&limit=50`);
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.disabled', 'user.enabled']));
  });

  it('the last admin can neither be demoted nor disabled; nobody disables themselves', async () => {
    const t = await buildTenant(cell);
    expect(
      (await call(cell, t.admin, 'PATCH', `/v1/users/${t.admin.userId}`, { role: 'editor' })).status,
    ).toBe(409);
    expect(
      (await call(cell, t.admin, 'PATCH', `/v1/users/${t.admin.userId}`, { status: 'disabled' })).status,
    ).toBe(409);
    expect((await me(t.admin)).body.roles).toEqual(['admin']);
  });

  it('non-admins cannot change users', async () => {
    const u = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(u.email, u.password);
    const res = await call(cell, s.user, 'PATCH', `/v1/users/${u.userId}`, { role: 'admin' });
    expect(res.status).toBe(403);
    expect((await me(s.user)).body.roles).toEqual(['editor']);
  });
});

describe('offboarding', () => {
  it('documents and folders go to the chosen user; every session, grant, membership and token is revoked', async () => {
    const leaver = await addUser(cell, a.admin, 'editor');
    const heir = await addUser(cell, a.admin, 'editor');
    const s = await freshSession(leaver.email, leaver.password);
    const heirUser = await login(cell, a.tenantId, heir.email, heir.password);
    const folder = await call(cell, s.user, 'POST', '/v1/folders', { name: `Leaver ${Date.now()}` });
    expect(folder.status).toBe(201);
    const doc = await uploadDoc(cell, s.user, 'the leaver’s contract', { folderId: folder.body.id });
    expect(doc.status).toBe(201);
    const group = await call(cell, a.admin, 'POST', '/v1/groups', { name: `team ${Date.now()}` });
    await call(cell, a.admin, 'PUT', `/v1/groups/${group.body.id}/members/${leaver.userId}`);
    const token = await call(cell, s.user, 'POST', '/v1/me/api-tokens', {
      name: 'ci',
      scopes: ['documents:read'],
    });
    expect((await call(cell, heirUser, 'GET', `/v1/documents/${doc.body.document.id}`)).status).toBe(404);

    const res = await call(cell, a.admin, 'POST', `/v1/users/${leaver.userId}/offboard`, {
      transferTo: heir.userId,
    });
    expect(res.status).toBe(200);
    expect(res.body.user.status).toBe('offboarded');
    expect(res.body.transferred).toBe(2);
    expect(res.body.credentialsRevoked).toBe(2);
    // The heir owns what the leaver owned: they can read and manage it.
    expect((await call(cell, heirUser, 'GET', `/v1/documents/${doc.body.document.id}`)).status).toBe(200);
    expect(
      (await call(cell, heirUser, 'GET', `/v1/folders/${folder.body.id}`)).body.abilities?.manage ?? true,
    ).toBe(true);
    const grants = await call(
      cell,
      heirUser,
      'GET',
      `/v1/grants?resourceType=document&resourceId=${doc.body.document.id}`,
    );
    const principals = grants.body.items.map((g: { principalId: string; role: string }) => [
      g.principalId,
      g.role,
    ]);
    expect(principals).toContainEqual([heir.userId, 'owner']);
    expect(principals.map((p: string[]) => p[0])).not.toContain(leaver.userId);
    // The leaver reaches nothing.
    expect((await me(s.user)).status).toBe(401);
    expect((await me(asUser(a.tenantId, leaver.userId, token.body.token))).status).toBe(401);
    expect((await loginRaw(cell, a.tenantId, leaver.email, leaver.password)).status).toBe(401);
    const users = await call(cell, a.admin, 'GET', '/v1/users');
    expect(users.body.items.find((x: { id: string }) => x.id === leaver.userId).status).toBe('offboarded');
    const audit = await call(cell, a.admin, 'GET', `/v1/audit?action=user.offboarded&limit=10`);
    const offboarded = audit.body.items.filter(
      (e: { resource: { id: string } }) => e.resource.id === leaver.userId,
    );
    expect(offboarded).toHaveLength(1);
    expect(offboarded[0].details).toMatchObject({
      transferTo: heir.userId,
      transferred: 2,
      credentialsRevoked: 2,
    });
  });

  it('refuses a transfer to the leaver, to an unknown user or to another tenant’s user', async () => {
    const leaver = await addUser(cell, a.admin, 'editor');
    const self = await call(cell, a.admin, 'POST', `/v1/users/${leaver.userId}/offboard`, {
      transferTo: leaver.userId,
    });
    expect(self.status).toBe(409);
    const foreign = await call(cell, a.admin, 'POST', `/v1/users/${leaver.userId}/offboard`, {
      transferTo: b.admin.userId,
    });
    expect(foreign.status).toBe(404);
    expect((await loginRaw(cell, a.tenantId, leaver.email, leaver.password)).status).toBe(200);
  });
});
