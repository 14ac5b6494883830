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
import { addUser, asUser } from '../../../test/support/identity.ts';

/**
 * SCIM 2.0 provisioning with a per-tenant SCIM token: users and groups created, updated and
 * deactivated; deactivation and deletion behave like offboarding; the token reaches nothing
 * but SCIM, and nothing of another tenant.
 */
let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let scimA: TestUser;
let scimB: TestUser;

const SCIM_JSON = { 'content-type': 'application/scim+json' };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function scim(token: TestUser, method: string, path: string, body?: unknown) {
  const res = await cell.app.request(path, {
    method,
    headers: { ...token.headers, ...(body === undefined ? {} : SCIM_JSON) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

async function scimToken(t: { tenantId: string; admin: TestUser }) {
  const res = await call(cell, t.admin, 'POST', '/v1/scim/tokens', { name: 'Okta' });
  expect(res.status).toBe(201);
  return asUser(t.tenantId, t.admin.userId, res.body.token);
}

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  scimA = await scimToken(a);
  scimB = await scimToken(b);
});
afterAll(async () => cell.close());

describe('the SCIM token', () => {
  it('reaches SCIM and nothing else; a login reaches everything but SCIM', async () => {
    const config = await scim(scimA, 'GET', '/scim/v2/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.type).toContain('application/scim+json');
    expect(config.body.patch.supported).toBe(true);
    expect((await call(cell, scimA, 'GET', '/v1/me')).status).toBe(403);
    expect((await call(cell, scimA, 'GET', '/v1/folders/root/children')).status).toBe(403);
    expect((await call(cell, scimA, 'POST', '/v1/scim/tokens', { name: 'x' })).status).toBe(403);
    expect((await scim(a.admin, 'GET', '/scim/v2/Users')).status).toBe(403);
    const listed = await call(cell, a.admin, 'GET', '/v1/scim/tokens');
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(scimA.token);
  });

  it('a revoked token, or one whose admin is no longer an admin, stops working', async () => {
    const t = await buildTenant(cell);
    const other = await addUser(cell, t.admin, 'admin');
    const otherAdmin = await login(cell, t.tenantId, other.email, other.password);
    const token = await scimToken({ tenantId: t.tenantId, admin: otherAdmin });
    expect((await scim(token, 'GET', '/scim/v2/Users')).status).toBe(200);
    await call(cell, t.admin, 'PATCH', `/v1/users/${other.userId}`, { role: 'editor' });
    expect((await scim(token, 'GET', '/scim/v2/Users')).status).toBe(403);
    const second = await scimToken(t);
    const id = (await call(cell, t.admin, 'GET', '/v1/scim/tokens')).body.items[0].id;
    expect((await call(cell, t.admin, 'DELETE', `/v1/scim/tokens/${id}`)).status).toBe(204);
    expect((await scim(second, 'GET', '/scim/v2/Users')).status).toBe(401);
  });
});

describe('users', () => {
  it('create, find by userName, update, refuse a duplicate', async () => {
    const created = await scim(scimA, 'POST', '/scim/v2/Users', {
      schemas: [USER],
      userName: 'Pat@A.example',
      name: { givenName: 'Pat', familyName: 'Doe' },
      emails: [{ value: 'pat@a.example', primary: true }],
      externalId: 'okta-123',
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      userName: 'pat@a.example',
      displayName: 'Pat Doe',
      active: true,
      externalId: 'okta-123',
    });
    const found = await scim(
      scimA,
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('userName eq "pat@a.example"')}`,
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(created.body.id);
    const searched = await scim(scimA, 'POST', '/scim/v2/Users/.search', {
      filter: 'userName eq "pat@a.example"',
    });
    expect(searched.body.totalResults).toBe(1);
    const dup = await scim(scimA, 'POST', '/scim/v2/Users', { schemas: [USER], userName: 'pat@a.example' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
    });
    const renamed = await scim(scimA, 'PATCH', `/scim/v2/Users/${created.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Patricia Doe' }],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Patricia Doe');
    const users = await call(cell, a.admin, 'GET', '/v1/users');
    expect(users.body.items.find((u: { id: string }) => u.id === created.body.id)).toMatchObject({
      name: 'Patricia Doe',
      role: 'viewer',
      scimManaged: true,
    });
  });

  it('deactivating is offboarding: sessions and grants go, documents go to the configured user; reactivating lets them in again', async () => {
    const heir = await addUser(cell, a.admin, 'editor');
    expect(
      (await call(cell, a.admin, 'PUT', '/v1/identity/settings', { deprovisionTransferTo: heir.userId }))
        .status,
    ).toBe(200);
    const leaver = await addUser(cell, a.admin, 'editor');
    const session = await login(cell, a.tenantId, leaver.email, leaver.password);
    const doc = await uploadDoc(cell, session, 'leaver work');
    const off = await scim(scimA, 'PATCH', `/scim/v2/Users/${leaver.userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await call(cell, session, 'GET', '/v1/me')).status).toBe(401);
    const heirSession = await login(cell, a.tenantId, heir.email, heir.password);
    expect((await call(cell, heirSession, 'GET', `/v1/documents/${doc.body.document.id}`)).status).toBe(200);
    const audit = await call(cell, a.admin, 'GET', `/v1/audit?resourceId=${leaver.userId}&limit=20`);
    expect(
      audit.body.items.find((e: { action: string }) => e.action === 'user.offboarded').details,
    ).toMatchObject({
      via: 'scim',
      transferTo: heir.userId,
      transferred: 1,
    });
    const on = await scim(scimA, 'PUT', `/scim/v2/Users/${leaver.userId}`, {
      schemas: [USER],
      userName: leaver.email,
      active: true,
    });
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    expect((await login(cell, a.tenantId, leaver.email, leaver.password)).token).toBeTruthy();
  });

  it('DELETE deprovisions (the row stays, offboarded)', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    expect((await scim(scimA, 'DELETE', `/scim/v2/Users/${u.userId}`)).status).toBe(204);
    const got = await scim(scimA, 'GET', `/scim/v2/Users/${u.userId}`);
    expect(got.body.active).toBe(false);
    const users = await call(cell, a.admin, 'GET', '/v1/users');
    expect(users.body.items.find((x: { id: string }) => x.id === u.userId).status).toBe('offboarded');
  });

  it('tenant B’s SCIM token finds nothing of tenant A', async () => {
    const u = await addUser(cell, a.admin, 'viewer');
    expect((await scim(scimB, 'GET', `/scim/v2/Users/${u.userId}`)).status).toBe(404);
    expect(
      (
        await scim(scimB, 'PATCH', `/scim/v2/Users/${u.userId}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', value: { active: false } }],
        })
      ).status,
    ).toBe(404);
    expect((await scim(scimB, 'DELETE', `/scim/v2/Users/${u.userId}`)).status).toBe(404);
    const list = await scim(scimB, 'GET', '/scim/v2/Users');
    expect(JSON.stringify(list.body)).not.toContain(u.email);
    expect((await scim(scimA, 'GET', `/scim/v2/Users/${u.userId}`)).body.active).toBe(true);
  });
});

describe('groups', () => {
  it('create with members, add and remove members with PatchOp, delete', async () => {
    const one = await addUser(cell, a.admin, 'viewer');
    const two = await addUser(cell, a.admin, 'viewer');
    const created = await scim(scimA, 'POST', '/scim/v2/Groups', {
      schemas: [GROUP],
      displayName: 'Finance',
      members: [{ value: one.userId }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const added = await scim(scimA, 'PATCH', `/scim/v2/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: two.userId }] }],
    });
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
      [one.userId, two.userId].sort(),
    );
    const removed = await scim(scimA, 'PATCH', `/scim/v2/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${one.userId}"]` }],
    });
    expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([two.userId]);
    // A member from another tenant is refused.
    const foreign = await scim(scimA, 'PATCH', `/scim/v2/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: b.admin.userId }] }],
    });
    expect(foreign.status).toBe(400);
    expect((await scim(scimB, 'GET', `/scim/v2/Groups/${id}`)).status).toBe(404);
    expect((await scim(scimA, 'DELETE', `/scim/v2/Groups/${id}`)).status).toBe(204);
    expect((await scim(scimA, 'GET', `/scim/v2/Groups/${id}`)).status).toBe(404);
  });
});
