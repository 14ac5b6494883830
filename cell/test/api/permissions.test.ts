import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  buildUser,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';

let cell: TestCell;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let parent: string;
let child: string;
let doc: string;

const grant = (resourceId: string, principalId: string, role: string, principalType = 'user') =>
  call(cell, admin, 'POST', '/v1/grants', {
    resourceType: resourceId.startsWith('fld_') ? 'folder' : 'document',
    resourceId,
    principalType,
    principalId,
    role,
  });

beforeAll(async () => {
  cell = await startTestCell();
  ({ admin } = await buildTenant(cell));
  editor = await buildUser(cell, admin, 'editor');
  viewer = await buildUser(cell, admin, 'viewer');
  outsider = await buildUser(cell, admin, 'editor');
  parent = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Legal' })).body.id;
  child = (await call(cell, admin, 'POST', '/v1/folders', { name: 'NDAs', parentId: parent })).body.id;
  doc = (await uploadDoc(cell, admin, 'nda text', { folderId: child })).body.document.id;
});
afterAll(async () => cell.close());

describe('inherited grants', () => {
  it('a grant on a folder reaches documents two levels down, and revoking it removes access', async () => {
    expect((await call(cell, viewer, 'GET', `/v1/documents/${doc}`)).status).toBe(404);
    const g = await grant(parent, viewer.userId, 'viewer');
    expect(g.status).toBe(201);
    const seen = await call(cell, viewer, 'GET', `/v1/documents/${doc}`);
    expect(seen.status).toBe(200);
    expect(seen.body.abilities).toEqual({ read: true, write: false, manage: false });
    expect((await call(cell, admin, 'DELETE', `/v1/grants/${g.body.id}`)).status).toBe(204);
    expect((await call(cell, viewer, 'GET', `/v1/documents/${doc}`)).status).toBe(404);
  });

  it('a viewer cannot edit, even with an editor grant (the tenant role is a ceiling)', async () => {
    await grant(parent, viewer.userId, 'editor');
    expect((await call(cell, viewer, 'GET', `/v1/documents/${doc}`)).status).toBe(200);
    const patch = await call(cell, viewer, 'PATCH', `/v1/documents/${doc}`, { title: 'changed' });
    expect(patch.status).toBe(403);
    expect(patch.body.error.code).toBe('forbidden');
    expect((await call(cell, viewer, 'DELETE', `/v1/documents/${doc}`)).status).toBe(403);
    const upload = await uploadDoc(cell, viewer, 'x', { folderId: child });
    expect(upload.status).toBe(403);
  });

  it('an editor with an editor grant can edit but not share or move', async () => {
    await grant(child, editor.userId, 'editor');
    expect((await call(cell, editor, 'PATCH', `/v1/documents/${doc}`, { tags: ['nda'] })).status).toBe(200);
    const share = await call(cell, editor, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: doc,
      principalType: 'user',
      principalId: outsider.userId,
      role: 'viewer',
    });
    expect(share.status).toBe(403);
    expect((await call(cell, editor, 'PATCH', `/v1/documents/${doc}`, { folderId: null })).status).toBe(403);
  });

  it('group grants apply to members and stop when they leave the group', async () => {
    const group = await call(cell, admin, 'POST', '/v1/groups', { name: 'Paralegals' });
    expect(
      (await call(cell, admin, 'PUT', `/v1/groups/${group.body.id}/members/${outsider.userId}`)).status,
    ).toBe(204);
    await grant(child, group.body.id, 'viewer', 'group');
    expect((await call(cell, outsider, 'GET', `/v1/documents/${doc}`)).status).toBe(200);
    await call(cell, admin, 'DELETE', `/v1/groups/${group.body.id}/members/${outsider.userId}`);
    expect((await call(cell, outsider, 'GET', `/v1/documents/${doc}`)).status).toBe(404);
  });
});

describe('listings show only what the caller may see', () => {
  it('the top level lists only granted items for non-admins, everything for admins', async () => {
    const own = (await call(cell, editor, 'POST', '/v1/folders', { name: `Mine ${Date.now()}` })).body.id;
    const editorRoot = await call(cell, editor, 'GET', '/v1/folders/root/children');
    const ids = editorRoot.body.items.map((i: { id: string }) => i.id);
    expect(ids).toContain(own);
    expect(ids).not.toContain(parent);
    const adminRoot = await call(cell, admin, 'GET', '/v1/folders/root/children?limit=200');
    expect(adminRoot.body.items.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining([own, parent]),
    );
  });

  it('a folder the caller cannot read is not found, not forbidden', async () => {
    const res = await call(cell, outsider, 'GET', `/v1/folders/${parent}/children`);
    expect(res.status).toBe(404);
  });

  it('users and groups are managed by admins only', async () => {
    expect((await call(cell, editor, 'GET', '/v1/users')).status).toBe(403);
    expect((await call(cell, editor, 'POST', '/v1/groups', { name: 'x' })).status).toBe(403);
  });
});

describe('folder tree', () => {
  it('breadcrumbs, subtree and cycle prevention', async () => {
    const leaf = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Leaf', parentId: child })).body.id;
    const detail = await call(cell, admin, 'GET', `/v1/folders/${leaf}`);
    expect(detail.body.breadcrumbs.map((b: { name: string }) => b.name)).toEqual(['Legal', 'NDAs']);
    const sub = await call(cell, admin, 'GET', `/v1/folders/${parent}/descendants`);
    expect(sub.body.items.map((i: { id: string; depth: number }) => [i.id, i.depth])).toEqual([
      [child, 1],
      [leaf, 2],
    ]);
    const cycle = await call(cell, admin, 'PATCH', `/v1/folders/${parent}`, { parentId: leaf });
    expect(cycle.status).toBe(409);
    const dup = await call(cell, admin, 'POST', '/v1/folders', { name: 'nDAs', parentId: parent });
    expect(dup.status).toBe(409);
  });

  it('moving a folder re-roots its subtree and the grants that come with the new place', async () => {
    const other = (await call(cell, admin, 'POST', '/v1/folders', { name: `Archive ${Date.now()}` })).body.id;
    await grant(other, outsider.userId, 'viewer');
    expect((await call(cell, outsider, 'GET', `/v1/documents/${doc}`)).status).toBe(404);
    expect((await call(cell, admin, 'PATCH', `/v1/folders/${child}`, { parentId: other })).status).toBe(200);
    expect((await call(cell, outsider, 'GET', `/v1/documents/${doc}`)).status).toBe(200);
    const crumbs = await call(cell, admin, 'GET', `/v1/folders/${child}`);
    expect(crumbs.body.breadcrumbs[0].id).toBe(other);
  });
});
