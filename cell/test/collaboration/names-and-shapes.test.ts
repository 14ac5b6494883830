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
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { commentSchema } from '../../src/modules/comments/schemas.ts';
import { alertSchema, raiseAlert } from '../../src/modules/identity/alerts.ts';
import { notificationSchema } from '../../src/modules/notifications/schemas.ts';
import {
  createdShareLinkSchema,
  sharedViewSchema,
  shareLinkSchema,
} from '../../src/modules/sharing/links/schemas.ts';
import { accessRequestSchema } from '../../src/modules/sharing/requests/schemas.ts';

/**
 * What the web app needs from the collaboration responses: a name beside every person id that
 * anyone who may see the object may read (comment authors and mentions, notification actors,
 * access requesters, link creators), never an email; exact shapes (every body parses with its
 * strict schema, the one the OpenAPI document publishes); a share link's address is the web
 * app's page with the token after `#`; alerts with a stable code; the identity settings' 409
 * reasons declared in the document.
 */
let cell: TestCell;
let admin: TestUser;
let owner: TestUser;
let reader: TestUser;
let asker: TestUser;
let folder: string;
let doc: string;
const people = {
  owner: { name: 'Olga Owner', email: 'olga.owner@names.example' },
  reader: { name: 'Rudi Reader', email: 'rudi.reader@names.example' },
  asker: { name: 'Anna Asker', email: 'anna.asker@names.example' },
};
const emails = Object.values(people).map((p) => p.email);
const BASE = 'https://names.quire.example';

async function person(p: { name: string; email: string }, role: 'viewer' | 'editor') {
  const password = 'a long enough password';
  const made = await call(cell, admin, 'POST', '/v1/users', { ...p, role, password });
  expect(made.status).toBe(201);
  return login(cell, admin.tenantId, p.email, password);
}

const grant = (resourceId: string, user: TestUser, role: string) =>
  call(cell, admin, 'POST', '/v1/grants', {
    resourceType: resourceId.startsWith('fld_') ? 'folder' : 'document',
    resourceId,
    principalType: 'user',
    principalId: user.userId,
    role,
  });

/** The body says no email of anyone. */
const noEmails = (body: unknown) => {
  for (const e of emails) expect(JSON.stringify(body)).not.toContain(e);
};

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { PUBLIC_BASE_URL: `${BASE}/` });
  ({ admin } = await buildTenant(cell));
  owner = await person(people.owner, 'editor');
  reader = await person(people.reader, 'viewer');
  asker = await person(people.asker, 'viewer');
  folder = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Board' })).body.id;
  doc = (await uploadDoc(cell, admin, 'minutes of the board', { folderId: folder, filename: 'minutes.txt' }))
    .body.document.id;
  expect((await grant(folder, owner, 'owner')).status).toBe(201);
  expect((await grant(doc, reader, 'viewer')).status).toBe(201);
});
afterAll(async () => cell.close());

describe('names beside ids, for members who are not admins', () => {
  it("a comment carries its author's name and its mentions' names, on writes and reads alike; no email", async () => {
    const made = await call(cell, owner, 'POST', `/v1/documents/${doc}/comments`, {
      body: `Please check @[${reader.userId}]`,
      anchor: { page: 3 },
    });
    expect(made.status).toBe(201);
    expect(commentSchema.strict().parse(made.body)).toMatchObject({
      authorId: owner.userId,
      authorName: people.owner.name,
      mentions: [{ type: 'user', id: reader.userId, name: people.reader.name }],
      anchor: { page: 3 },
    });
    // The reader (a viewer, no directory) sees the same names.
    const listed = await call(cell, reader, 'GET', `/v1/documents/${doc}/comments`);
    const seen = listed.body.items.find((c: { id: string }) => c.id === made.body.id);
    expect(seen).toMatchObject({ authorName: people.owner.name });
    noEmails(listed.body);
    const resolved = await call(cell, owner, 'POST', `/v1/comments/${made.body.id}/resolve`);
    expect(resolved.body.authorName).toBe(people.owner.name);
  });

  it("a notification carries its actor's name, and parses as its kind", async () => {
    const notes = await call(cell, reader, 'GET', '/v1/notifications');
    expect(notes.status).toBe(200);
    const items = notes.body.items.map((n: unknown) => notificationSchema.parse(n));
    const mention = items.find((n: { kind: string }) => n.kind === 'mention');
    expect(mention).toMatchObject({
      actorId: owner.userId,
      actorName: people.owner.name,
      data: { documentId: doc, documentTitle: 'minutes.txt' },
    });
    const share = items.find((n: { kind: string }) => n.kind === 'share');
    expect(share).toMatchObject({ actorId: admin.userId, actorName: 'Admin', data: { role: 'viewer' } });
    noEmails(notes.body);
    const read = await call(cell, reader, 'POST', `/v1/notifications/${mention.id}/read`);
    expect(notificationSchema.parse(read.body)).toMatchObject({ actorName: people.owner.name });
  });

  it("an access request carries the requester's name for the owner; role is optional (viewer)", async () => {
    const asked = await call(cell, asker, 'POST', '/v1/access-requests', {
      resourceType: 'document',
      resourceId: doc,
      message: 'May I?',
    });
    expect(asked.status).toBe(202);
    const listed = await call(cell, owner, 'GET', `/v1/access-requests?resourceId=${doc}`);
    expect(listed.status).toBe(200);
    const request = accessRequestSchema.parse(listed.body.items[0]);
    expect(request).toMatchObject({
      requesterId: asker.userId,
      requesterName: people.asker.name,
      role: 'viewer',
      title: 'minutes.txt',
      decidedBy: null,
      decidedByName: null,
    });
    noEmails(listed.body);
    const granted = await call(cell, owner, 'POST', `/v1/access-requests/${request.id}/grant`);
    expect(accessRequestSchema.parse(granted.body)).toMatchObject({
      status: 'granted',
      requesterName: people.asker.name,
      decidedByName: people.owner.name,
    });
    const told = await call(cell, asker, 'GET', '/v1/notifications');
    const decided = told.body.items.map((n: unknown) => notificationSchema.parse(n));
    expect(decided.find((n: { kind: string }) => n.kind === 'access_decided')).toMatchObject({
      actorName: people.owner.name,
      data: { decision: 'granted', role: 'viewer', title: 'minutes.txt' },
    });
  });

  it("a share link carries its creator's name; its url is the web app's page with the token after #", async () => {
    const made = await call(cell, owner, 'POST', '/v1/share-links', {
      resourceType: 'document',
      resourceId: doc,
    });
    expect(made.status).toBe(201);
    const link = createdShareLinkSchema.parse(made.body);
    expect(link.createdByName).toBe(people.owner.name);
    expect(link.url).toBe(`${BASE}/shared#${link.token}`);
    expect(new URL(link.url!).pathname).toBe('/shared');
    expect(new URL(link.url!).search).toBe('');
    expect(link.path).toBe(`/v1/share/${link.token}`);
    const listed = await call(cell, owner, 'GET', `/v1/share-links?resourceType=document&resourceId=${doc}`);
    for (const l of listed.body.items) shareLinkSchema.parse(l);
    expect(listed.body.items[0].createdByName).toBe(people.owner.name);
    noEmails(listed.body);
    const revoked = await call(cell, owner, 'DELETE', `/v1/share-links/${link.id}`);
    expect(shareLinkSchema.parse(revoked.body)).toMatchObject({
      status: 'revoked',
      createdByName: people.owner.name,
    });
  });
});

describe('grants', () => {
  it("a reader sees who has access by name (a person's, a group's) and who granted it; no email", async () => {
    const group = await call(cell, admin, 'POST', '/v1/groups', { name: 'Board members' });
    expect(group.status).toBe(201);
    const toGroup = await call(cell, admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: doc,
      principalType: 'group',
      principalId: group.body.id,
      role: 'viewer',
    });
    expect(toGroup.status).toBe(201);
    expect(toGroup.body).toMatchObject({ principalName: 'Board members', createdBy: admin.userId });

    const listed = await call(cell, reader, 'GET', `/v1/grants?resourceType=document&resourceId=${doc}`);
    expect(listed.status).toBe(200);
    const byPrincipal = new Map(listed.body.items.map((g: any) => [g.principalId, g]));
    expect(byPrincipal.get(reader.userId)).toMatchObject({
      principalType: 'user',
      principalName: people.reader.name,
    });
    expect(byPrincipal.get(group.body.id)).toMatchObject({
      principalType: 'group',
      principalName: 'Board members',
    });
    for (const g of listed.body.items) expect(g.createdByName).toEqual(expect.any(String));
    noEmails(listed.body);
    // Someone who cannot read the document sees none of it.
    const stranger = await person({ name: 'Nora Nobody', email: 'nora.nobody@names.example' }, 'viewer');
    expect(
      (await call(cell, stranger, 'GET', `/v1/grants?resourceType=document&resourceId=${doc}`)).status,
    ).toBe(404);
  });
});

describe('exact shapes', () => {
  it('what a link shows parses as SharedView: a document, a folder page, a password prompt', async () => {
    const open = async (input: Record<string, unknown>) => {
      const made = await call(cell, admin, 'POST', '/v1/share-links', input);
      const res = await cell.app.request(`/v1/share/${made.body.token}`);
      expect(res.status).toBe(200);
      return sharedViewSchema.parse(await res.json());
    };
    expect(await open({ resourceType: 'document', resourceId: doc })).toMatchObject({
      resourceType: 'document',
      document: { id: doc, filename: 'minutes.txt' },
      downloadsLeft: null,
    });
    const shown = await open({ resourceType: 'folder', resourceId: folder, maxDownloads: 3 });
    expect(shown).toMatchObject({ resourceType: 'folder', folder: { id: folder }, downloadsLeft: 3 });
    expect('items' in shown && shown.items.map((i) => i.kind)).toEqual(['document']);
    expect(await open({ resourceType: 'document', resourceId: doc, password: 'a secret phrase' })).toEqual({
      requiresPassword: true,
    });
  });

  it('an alert has a stable code, its params with the name, and the English message', async () => {
    await withTenantTx(cell.deps.db, admin.tenantId, (tx) =>
      raiseAlert(tx, admin.tenantId, {
        code: 'sso_bypass',
        message: 'A break-glass account signed in while single sign-on was unavailable',
        params: { userId: owner.userId, sessionId: 'ses_x', ip: '192.0.2.7' },
      }),
    );
    const res = await call(cell, admin, 'GET', '/v1/identity/alerts');
    expect(res.status).toBe(200);
    expect(alertSchema.parse(res.body.items[0])).toMatchObject({
      code: 'sso_bypass',
      params: { userId: owner.userId, userName: people.owner.name, sessionId: 'ses_x', ip: '192.0.2.7' },
      message: expect.stringContaining('break-glass'),
      acknowledgedAt: null,
    });
    // Admins only.
    expect((await call(cell, owner, 'GET', '/v1/identity/alerts')).status).toBe(403);
  });

  it('the identity settings declare their 409 reasons, and answer with them', async () => {
    const doc_ = (await (await cell.app.request('/v1/openapi.json')).json()) as any;
    const conflict = doc_.paths['/v1/identity/settings'].put.responses['409'];
    expect(conflict.description).toMatch(/mfa_first/);
    expect(conflict.description).toMatch(/no_sso/);
    // In the one error envelope, the reasons named in the description (as the control plane does).
    expect(conflict.content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    const refused = await call(cell, admin, 'PUT', '/v1/identity/settings', { passwordLogin: 'sso_only' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ reason: 'no_sso' });
    // Access requests: role is optional in the document (viewer when left out).
    const body = doc_.paths['/v1/access-requests'].post.requestBody.content['application/json'].schema;
    const shapes = (body.anyOf ?? body.oneOf ?? [body]).map((s: any) =>
      s.$ref ? doc_.components.schemas[s.$ref.split('/').pop()] : s,
    );
    expect(shapes.length).toBeGreaterThan(0);
    for (const s of shapes.flatMap((s: any) => s.anyOf ?? s.oneOf ?? [s]))
      expect(s.required).not.toContain('role');
  });
});
