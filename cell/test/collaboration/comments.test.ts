import { sql } from 'drizzle-orm';
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
import { withTenantTx } from '../../src/db/tenant-tx.ts';

/**
 * Comments and mentions: threads, edits with history, deletion, resolution, pagination; the
 * permission model (a comment is exactly as visible as its document); mentions resolved on the
 * server that never tell anyone about a document they cannot read; outbox rows for search.
 */
let cell: TestCell;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let other: { tenantId: string; admin: TestUser };
let folder: string;
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
  other = await buildTenant(cell);
  editor = await buildUser(cell, admin, 'editor');
  viewer = await buildUser(cell, admin, 'viewer');
  outsider = await buildUser(cell, admin, 'editor');
  folder = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Deals' })).body.id;
  doc = (await uploadDoc(cell, admin, 'the deal text', { folderId: folder })).body.document.id;
  expect((await grant(folder, editor.userId, 'editor')).status).toBe(201);
  expect((await grant(doc, viewer.userId, 'viewer')).status).toBe(201);
});
afterAll(async () => cell.close());

const comment = (user: TestUser, body: unknown, documentId = doc) =>
  call(cell, user, 'POST', `/v1/documents/${documentId}/comments`, body);

describe('threads', () => {
  it('a viewer comments, an editor replies; the thread lists in order and paginates', async () => {
    const root = await comment(viewer, {
      body: 'Is clause 4 final?',
      anchor: { page: 2, range: { start: 10, end: 42 } },
    });
    expect(root.status).toBe(201);
    expect(root.body).toMatchObject({ authorId: viewer.userId, threadId: root.body.id, parentId: null });
    expect(root.body.anchor).toEqual({ page: 2, range: { start: 10, end: 42 } });
    expect(root.body.abilities).toEqual({ edit: true, delete: true, resolve: true });
    const reply = await comment(editor, { body: 'Yes, signed off.', parentId: root.body.id });
    expect(reply.status).toBe(201);
    expect(reply.body.threadId).toBe(root.body.id);
    // A reply to a reply joins the same thread.
    const deeper = await comment(viewer, { body: 'Thanks!', parentId: reply.body.id });
    expect(deeper.body.threadId).toBe(root.body.id);

    const page1 = await call(
      cell,
      viewer,
      'GET',
      `/v1/documents/${doc}/comments?threadId=${root.body.id}&limit=2`,
    );
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((c: any) => c.id)).toEqual([root.body.id, reply.body.id]);
    const page2 = await call(
      cell,
      viewer,
      'GET',
      `/v1/documents/${doc}/comments?threadId=${root.body.id}&limit=2&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.items.map((c: any) => c.id)).toEqual([deeper.body.id]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('the reply notifies the thread’s earlier authors, not the replier', async () => {
    const root = await comment(editor, { body: 'Pricing table needs a check' });
    await comment(viewer, { body: 'On it', parentId: root.body.id });
    const mine = await call(cell, editor, 'GET', '/v1/notifications?unread=true');
    const reply = mine.body.items.find((n: any) => n.kind === 'reply' && n.data.threadId === root.body.id);
    expect(reply).toMatchObject({ actorId: viewer.userId, resourceType: 'document', resourceId: doc });
    expect(reply.data.excerpt).toBe('On it');
    const viewers = await call(cell, viewer, 'GET', '/v1/notifications');
    expect(viewers.body.items.some((n: any) => n.data.threadId === root.body.id)).toBe(false);
  });

  it('edits keep history; only the author edits; an owner may delete, shown as deleted', async () => {
    const c = await comment(viewer, { body: 'first draft' });
    expect(
      (await call(cell, viewer, 'PATCH', `/v1/comments/${c.body.id}`, { body: 'second draft' })).status,
    ).toBe(200);
    const edited = await call(cell, viewer, 'PATCH', `/v1/comments/${c.body.id}`, { body: 'final' });
    expect(edited.body).toMatchObject({ body: 'final', revision: 3 });
    expect(edited.body.editedAt).not.toBeNull();
    const history = await call(cell, editor, 'GET', `/v1/comments/${c.body.id}/history`);
    expect(history.body.items.map((r: any) => [r.revision, r.body])).toEqual([
      [1, 'first draft'],
      [2, 'second draft'],
    ]);
    const notAuthor = await call(cell, editor, 'PATCH', `/v1/comments/${c.body.id}`, { body: 'hijack' });
    expect(notAuthor.status).toBe(403);
    // An editor is not an owner: cannot delete someone else's comment.
    expect((await call(cell, editor, 'DELETE', `/v1/comments/${c.body.id}`)).status).toBe(403);
    const gone = await call(cell, admin, 'DELETE', `/v1/comments/${c.body.id}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ body: null, mentions: [] });
    expect(gone.body.deletedAt).not.toBeNull();
    expect((await call(cell, viewer, 'GET', `/v1/comments/${c.body.id}/history`)).body.items).toEqual([]);
    expect((await call(cell, viewer, 'PATCH', `/v1/comments/${c.body.id}`, { body: 'back' })).status).toBe(
      409,
    );
    // The text is gone from the database, history included.
    const stored = await withTenantTx(cell.deps.db, admin.tenantId, (tx) =>
      tx.execute<{ body: string }>(sql`
        select body from comments where id = ${c.body.id}
        union all select body from comment_revisions where comment_id = ${c.body.id}`),
    );
    expect(stored.every((r) => r.body === '')).toBe(true);
  });

  it('resolve and reopen a thread; replies cannot be resolved; filters by status', async () => {
    const root = await comment(editor, { body: 'Resolve me' });
    const reply = await comment(viewer, { body: 'a reply', parentId: root.body.id });
    expect((await call(cell, editor, 'POST', `/v1/comments/${reply.body.id}/resolve`)).status).toBe(409);
    // A viewer who did not start the thread may not resolve it.
    expect((await call(cell, viewer, 'POST', `/v1/comments/${root.body.id}/resolve`)).status).toBe(403);
    const resolved = await call(cell, editor, 'POST', `/v1/comments/${root.body.id}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolvedBy).toBe(editor.userId);
    const open = await call(cell, viewer, 'GET', `/v1/documents/${doc}/comments?status=open&limit=200`);
    expect(open.body.items.some((c: any) => c.threadId === root.body.id)).toBe(false);
    const done = await call(cell, viewer, 'GET', `/v1/documents/${doc}/comments?status=resolved&limit=200`);
    expect(done.body.items.map((c: any) => c.id)).toEqual(
      expect.arrayContaining([root.body.id, reply.body.id]),
    );
    expect(
      (await call(cell, editor, 'POST', `/v1/comments/${root.body.id}/reopen`)).body.resolvedAt,
    ).toBeNull();
  });

  it('a change queues the document for re-indexing (comment text is indexed with it), once per waiting row', async () => {
    const outbox = () =>
      withTenantTx(cell.deps.db, admin.tenantId, (tx) =>
        tx.execute<{ id: string; reason: string }>(sql`
          select id::text, reason from search_outbox where kind = 'document' and resource_id = ${doc} order by id`),
      );
    await withTenantTx(cell.deps.db, admin.tenantId, (tx) =>
      tx.execute(sql`delete from search_outbox where resource_id = ${doc}`),
    );
    const c = await comment(viewer, { body: 'searchable remark' });
    expect((await outbox()).map((r) => r.reason)).toEqual(['comment.created']);
    // A busy thread: the waiting row covers the next changes, none is added.
    await call(cell, viewer, 'PATCH', `/v1/comments/${c.body.id}`, { body: 'searchable remark, edited' });
    expect(await outbox()).toHaveLength(1);
    // A row a worker holds (FOR UPDATE, as the drain claims) does not cover a change made meanwhile.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let claimed!: () => void;
    const isClaimed = new Promise<void>((r) => {
      claimed = r;
    });
    const worker = withTenantTx(cell.deps.db, admin.tenantId, async (tx) => {
      await tx.execute(sql`select id from search_outbox where resource_id = ${doc} for update skip locked`);
      claimed();
      await held;
    });
    await isClaimed;
    expect((await call(cell, viewer, 'DELETE', `/v1/comments/${c.body.id}`)).status).toBe(200);
    release();
    await worker;
    expect((await outbox()).map((r) => r.reason)).toEqual(['comment.created', 'comment.deleted']);
  });

  it("the tenant's policy can keep viewers from commenting", async () => {
    const tenants = cell.deps.config;
    await tenants.replace({
      version: 'v-test',
      plans: {} as never,
      tenants: [
        {
          id: admin.tenantId,
          status: 'active',
          plan: 'standard',
          overrides: {},
          flags: { 'comments.viewers_can_comment': false },
        },
      ],
    });
    cell.deps.tenants.invalidate(admin.tenantId);
    try {
      const refused = await comment(viewer, { body: 'may I?' });
      expect(refused.status).toBe(403);
      expect((await comment(editor, { body: 'editors still can' })).status).toBe(201);
      // Reading stays open to viewers.
      expect((await call(cell, viewer, 'GET', `/v1/documents/${doc}/comments`)).status).toBe(200);
    } finally {
      await tenants.replace({ version: 'v-test-2', plans: {} as never, tenants: [] });
      cell.deps.tenants.invalidate(admin.tenantId);
    }
  });
});

describe('who may see comments', () => {
  it('someone who cannot read the document gets 404 for its comments, whatever the route', async () => {
    const c = await comment(editor, { body: 'internal note' });
    for (const [method, path, body] of [
      ['GET', `/v1/documents/${doc}/comments`],
      ['POST', `/v1/documents/${doc}/comments`, { body: 'hello' }],
      ['GET', `/v1/comments/${c.body.id}`],
      ['GET', `/v1/comments/${c.body.id}/history`],
      ['PATCH', `/v1/comments/${c.body.id}`, { body: 'x' }],
      ['DELETE', `/v1/comments/${c.body.id}`],
      ['POST', `/v1/comments/${c.body.id}/resolve`],
    ] as const) {
      for (const who of [outsider, other.admin]) {
        const res = await call(cell, who, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
  });

  it('a reply cannot point at a comment of another document', async () => {
    const otherDoc = (await uploadDoc(cell, admin, 'other', { folderId: folder })).body.document.id;
    const c = await comment(admin, { body: 'on the other one' }, otherDoc);
    const res = await comment(editor, { body: 'cross', parentId: c.body.id });
    expect(res.status).toBe(404);
  });
});

describe('mentions', () => {
  it('a mention of someone who can read is resolved by the server and notifies them', async () => {
    const res = await comment(viewer, { body: `Please check, @[${editor.userId}]` });
    expect(res.status).toBe(201);
    expect(res.body.mentions).toEqual([{ type: 'user', id: editor.userId, name: 'A editor' }]);
    const notes = await call(cell, editor, 'GET', '/v1/notifications?unread=true');
    const note = notes.body.items.find((n: any) => n.kind === 'mention' && n.data.commentId === res.body.id);
    expect(note.data).toMatchObject({ documentId: doc, excerpt: 'Please check, @A editor' });
    expect(notes.body.unreadCount).toBeGreaterThan(0);
  });

  it('an email mention becomes a marker; an unknown email stays text', async () => {
    const me = await call(cell, admin, 'GET', '/v1/users');
    const email = me.body.items.find((u: any) => u.id === editor.userId).email as string;
    const res = await comment(admin, { body: `cc @${email.toUpperCase()} and @nobody@nowhere.example` });
    expect(res.status).toBe(201);
    expect(res.body.body).toBe(`cc @[${editor.userId}] and @nobody@nowhere.example`);
    expect(res.body.mentions.map((m: any) => m.id)).toEqual([editor.userId]);
  });

  it('mentioning someone who cannot read is refused, offers to share, posts nothing, and is audited', async () => {
    const before = await call(cell, admin, 'GET', `/v1/documents/${doc}/comments?limit=200`);
    const res = await comment(admin, { body: `@[${outsider.userId}] have a look` });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({
      reason: 'mention_without_access',
      users: [{ id: outsider.userId }],
      canShare: true,
      share: {
        method: 'POST',
        path: '/v1/grants',
        grants: [
          {
            resourceType: 'document',
            resourceId: doc,
            principalType: 'user',
            principalId: outsider.userId,
            role: 'viewer',
          },
        ],
      },
    });
    // An editor (no manage) is told they cannot share it themselves.
    const byEditor = await comment(editor, { body: `@[${outsider.userId}] look` });
    expect(byEditor.status).toBe(409);
    expect(byEditor.body.error.details).toMatchObject({ canShare: false, share: null });
    const after = await call(cell, admin, 'GET', `/v1/documents/${doc}/comments?limit=200`);
    expect(after.body.items.length).toBe(before.body.items.length);
    expect((await call(cell, outsider, 'GET', '/v1/notifications')).body.items).toEqual([]);
    const audit = await call(
      cell,
      admin,
      'GET',
      `/v1/audit?action=comment.mention_refused&resourceId=${doc}`,
    );
    expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.body.items[0].details.userIds).toEqual([outsider.userId]);
  });

  it('a group mention is refused when any member cannot read, allowed once they all can', async () => {
    const group = (await call(cell, admin, 'POST', '/v1/groups', { name: 'Reviewers' })).body.id;
    await call(cell, admin, 'PUT', `/v1/groups/${group}/members/${editor.userId}`);
    await call(cell, admin, 'PUT', `/v1/groups/${group}/members/${outsider.userId}`);
    const refused = await comment(editor, { body: `@[${group}] thoughts?` });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.groups).toEqual([
      { id: group, name: 'Reviewers', membersWithoutAccess: 1 },
    ]);
    expect((await grant(doc, group, 'viewer', 'group')).status).toBe(201);
    const ok = await comment(editor, { body: `@[${group}] thoughts?` });
    expect(ok.status).toBe(201);
    const notes = await call(cell, outsider, 'GET', '/v1/notifications');
    expect(notes.body.items.some((n: any) => n.kind === 'mention' && n.data.commentId === ok.body.id)).toBe(
      true,
    );
  });

  it("another tenant's user or group id is unknown here (400), never a hint that it exists", async () => {
    const res = await comment(admin, { body: `@[${other.admin.userId}] hi` });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const ghost = await comment(admin, { body: '@[usr_0000000000000000000000000] hi' });
    expect(ghost.status).toBe(400);
    expect(ghost.body.error.message).toBe(res.body.error.message);
  });

  it('suggestions come from the caller’s tenant only and say who can read the document', async () => {
    const res = await call(cell, viewer, 'POST', '/v1/mentions/suggest', { q: 'A ', documentId: doc });
    expect(res.status).toBe(200);
    const byId = new Map(res.body.users.map((u: any) => [u.id, u]));
    expect((byId.get(editor.userId) as any).canRead).toBe(true);
    expect((byId.get(outsider.userId) as any)?.canRead ?? true).toBe(true); // via the group grant above
    expect(byId.has(other.admin.userId)).toBe(false);
    const hidden = await call(cell, other.admin, 'POST', '/v1/mentions/suggest', { q: 'a', documentId: doc });
    expect(hidden.status).toBe(404);
  });
});
