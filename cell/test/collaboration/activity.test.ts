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

/** The activity feed: a presenter over the audit trail, for whoever can read the resource. */
let cell: TestCell;
let admin: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let other: { tenantId: string; admin: TestUser };
let folder: string;
let target: string;
let doc: string;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { TRUST_PROXY: 'true' });
  ({ admin } = await buildTenant(cell));
  other = await buildTenant(cell);
  viewer = await buildUser(cell, admin, 'viewer');
  outsider = await buildUser(cell, admin, 'editor');
  folder = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Board' })).body.id;
  target = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Archive' })).body.id;
  doc = (await uploadDoc(cell, admin, 'minutes', { folderId: folder })).body.document.id;
  await call(cell, admin, 'POST', '/v1/grants', {
    resourceType: 'document',
    resourceId: doc,
    principalType: 'user',
    principalId: viewer.userId,
    role: 'viewer',
  });
  await call(cell, viewer, 'GET', `/v1/documents/${doc}`);
  await call(cell, viewer, 'POST', `/v1/documents/${doc}/comments`, { body: 'noted' });
  // A refused mention and a denied read are in the audit log, not in the feed.
  await call(cell, viewer, 'POST', `/v1/documents/${doc}/comments`, { body: `@[${outsider.userId}]` });
  await call(cell, outsider, 'GET', `/v1/documents/${doc}`);
  await call(cell, admin, 'PATCH', `/v1/documents/${doc}`, { title: 'Minutes (final)' });
  await call(cell, admin, 'DELETE', `/v1/documents/${doc}`);
  await call(cell, admin, 'POST', `/v1/documents/${doc}/restore`);
  const link = await call(cell, admin, 'POST', '/v1/share-links', {
    resourceType: 'document',
    resourceId: doc,
  });
  await cell.app.request(link.body.path, {
    headers: { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'ext' },
  });
});
afterAll(async () => cell.close());

describe('activity feed', () => {
  it('a reader sees who viewed, commented, edited, trashed, restored and shared, newest first', async () => {
    const res = await call(cell, viewer, 'GET', `/v1/documents/${doc}/activity`);
    expect(res.status).toBe(200);
    const seen = res.body.items.map((e: any) => `${e.verb}:${e.action}`);
    expect(seen).toEqual([
      'viewed:share_link.accessed',
      'shared:share_link.created',
      'restored:document.restored',
      'trashed:document.trashed',
      'edited:document.updated',
      'commented:comment.created',
      'viewed:document.viewed',
      'shared:grant.created',
      'created:document.uploaded',
    ]);
    const comment = res.body.items.find((e: any) => e.action === 'comment.created');
    expect(comment.actor).toEqual({ type: 'user', id: viewer.userId, name: 'A viewer' });
    expect(comment.details.commentId).toMatch(/^cmt_/);
    const link = res.body.items[0];
    expect(link.actor.type).toBe('link');
    // Addresses and user agents stay in the audit log.
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('203.0.113.9');
    expect(text).not.toContain('userAgent');
  });

  it('pages with a cursor', async () => {
    const first = await call(cell, viewer, 'GET', `/v1/documents/${doc}/activity?limit=4`);
    const second = await call(
      cell,
      viewer,
      'GET',
      `/v1/documents/${doc}/activity?limit=4&cursor=${first.body.nextCursor}`,
    );
    const all = await call(cell, viewer, 'GET', `/v1/documents/${doc}/activity?limit=8`);
    expect([...first.body.items, ...second.body.items].map((e: any) => e.id)).toEqual(
      all.body.items.map((e: any) => e.id),
    );
  });

  it('a folder feed covers its documents and subfolders; the reader of one document cannot open it', async () => {
    await call(cell, admin, 'PATCH', `/v1/documents/${doc}`, { folderId: target });
    const res = await call(cell, admin, 'GET', `/v1/folders/${target}/activity`);
    expect(res.body.items[0]).toMatchObject({
      verb: 'moved',
      resourceId: doc,
      details: { from: folder, to: target },
    });
    expect((await call(cell, viewer, 'GET', `/v1/folders/${target}/activity`)).status).toBe(404);
  });

  it('nobody else sees it: someone without access or another tenant gets 404', async () => {
    for (const who of [outsider, other.admin]) {
      expect((await call(cell, who, 'GET', `/v1/documents/${doc}/activity`)).status).toBe(404);
      expect((await call(cell, who, 'GET', `/v1/folders/${folder}/activity`)).status).toBe(404);
    }
  });
});
