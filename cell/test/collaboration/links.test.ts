import { randomBytes, randomInt } from 'node:crypto';
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
 * External share links (no login): unguessable tokens stored hashed, tied to one document or
 * folder, optional password, editable expiry, download limit, revocation effective on the next
 * request, tenant policy, every access audited, guessing rate limited. And access requests.
 */
let cell: TestCell;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let other: { tenantId: string; admin: TestUser };
let folder: string;
let sub: string;
let doc: string;
let inner: string;
let outside: string;
/**
 * Each test speaks from its own address (the cell trusts X-Forwarded-For in this setup), new on
 * every run: the failure counters live 10 minutes in the shared Redis, across runs.
 */
const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function anon(method: string, path: string, body?: unknown, ip = freshIp()) {
  const res = await cell.app.request(path, {
    method,
    headers: {
      'x-forwarded-for': ip,
      'user-agent': 'link-tester/1.0',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, text };
}

const link = (user: TestUser, input: Record<string, unknown>) =>
  call(cell, user, 'POST', '/v1/share-links', input);

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { TRUST_PROXY: 'true' });
  ({ admin } = await buildTenant(cell));
  other = await buildTenant(cell);
  editor = await buildUser(cell, admin, 'editor');
  viewer = await buildUser(cell, admin, 'viewer');
  folder = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Data room' })).body.id;
  sub = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Financials', parentId: folder })).body.id;
  doc = (await uploadDoc(cell, admin, 'term sheet v3', { folderId: folder, filename: 'terms.txt' })).body
    .document.id;
  inner = (await uploadDoc(cell, admin, 'q3 numbers', { folderId: sub, filename: 'q3.txt' })).body.document
    .id;
  outside = (await uploadDoc(cell, admin, 'not shared', { filename: 'private.txt' })).body.document.id;
  await call(cell, admin, 'POST', '/v1/grants', {
    resourceType: 'folder',
    resourceId: folder,
    principalType: 'user',
    principalId: editor.userId,
    role: 'editor',
  });
  await call(cell, admin, 'POST', '/v1/grants', {
    resourceType: 'folder',
    resourceId: folder,
    principalType: 'user',
    principalId: viewer.userId,
    role: 'viewer',
  });
});
afterAll(async () => cell.close());

describe('creating and managing links', () => {
  it('an owner creates a link: 256-bit token with the tenant as routing hint, returned once, stored hashed', async () => {
    const res = await link(admin, { resourceType: 'document', resourceId: doc });
    expect(res.status).toBe(201);
    const { token, path, url } = res.body;
    expect(token).toMatch(new RegExp(`^${admin.tenantId}\\.[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(token.split('.')[1], 'base64url').length).toBe(32);
    expect(path).toBe(`/v1/share/${token}`);
    expect(url).toBeNull(); // neither PUBLIC_BASE_URL nor an edge-forwarded host here
    expect(res.body).toMatchObject({ status: 'active', hasPassword: false, maxDownloads: null });
    // Expiry defaults to seven days (the standard plan allows up to 30).
    const days = (Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    const listed = await call(cell, admin, 'GET', `/v1/share-links?resourceType=document&resourceId=${doc}`);
    expect(listed.body.items.map((l: any) => l.id)).toContain(res.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(token.split('.')[1]);
    const stored = await withTenantTx(cell.deps.db, admin.tenantId, (tx) =>
      tx.execute<{ row: string }>(sql`select s::text as row from share_links s where id = ${res.body.id}`),
    );
    expect(stored[0]!.row).not.toContain(token.split('.')[1]);
  });

  it('editors and viewers may not create links (403); outsiders and other tenants see nothing (404)', async () => {
    expect((await link(editor, { resourceType: 'document', resourceId: doc })).status).toBe(403);
    expect((await link(viewer, { resourceType: 'folder', resourceId: folder })).status).toBe(403);
    const theirs = await link(other.admin, { resourceType: 'document', resourceId: doc });
    expect(theirs.status).toBe(404);
    const mine = await link(admin, { resourceType: 'document', resourceId: doc });
    for (const [method, path, body] of [
      ['PATCH', `/v1/share-links/${mine.body.id}`, { maxDownloads: 5 }],
      ['DELETE', `/v1/share-links/${mine.body.id}`],
      ['GET', `/v1/share-links?resourceType=document&resourceId=${doc}`],
    ] as const) {
      expect((await call(cell, other.admin, method, path, body)).status, `${method} ${path}`).toBe(404);
      expect((await call(cell, viewer, method, path, body)).status, `${method} ${path}`).toBe(403);
    }
  });

  it("expiry cannot pass the tenant's maximum, and links can be turned off by policy", async () => {
    const far = new Date(Date.now() + 40 * 86_400_000).toISOString();
    const refused = await link(admin, { resourceType: 'document', resourceId: doc, expiresAt: far });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error.details)).toContain('at most 30 days');
    expect(refused.body.error.details[0]).toMatchObject({ reason: 'expiry_too_long', maxDays: 30 });
    const listed = await call(cell, admin, 'GET', `/v1/share-links?resourceType=document&resourceId=${doc}`);
    expect(listed.body.policy).toEqual({ maxExpiryDays: 30, defaultExpiryDays: 7 });
    const live = await link(admin, { resourceType: 'document', resourceId: doc });
    await cell.deps.config.replace({
      version: 'links-off',
      plans: {} as never,
      tenants: [
        {
          id: admin.tenantId,
          status: 'active',
          plan: 'standard',
          overrides: {},
          flags: { 'sharing.external_links': false },
        },
      ],
    });
    cell.deps.tenants.invalidate(admin.tenantId);
    try {
      expect((await link(admin, { resourceType: 'document', resourceId: doc })).status).toBe(403);
      expect((await anon('GET', live.body.path)).status).toBe(410);
    } finally {
      await cell.deps.config.replace({ version: 'links-on', plans: {} as never, tenants: [] });
      cell.deps.tenants.invalidate(admin.tenantId);
    }
    expect((await anon('GET', live.body.path)).status).toBe(200);
  });
});

describe('using a link without logging in', () => {
  it('opens and downloads a shared document; every access is audited with address and user agent', async () => {
    const { body: l } = await link(admin, { resourceType: 'document', resourceId: doc });
    const ip = freshIp();
    const opened = await anon('GET', l.path, undefined, ip);
    expect(opened.status).toBe(200);
    expect(opened.body.document).toMatchObject({
      id: doc,
      title: 'terms.txt',
      filename: 'terms.txt',
      size: 13,
    });
    expect(JSON.stringify(opened.body)).not.toContain(admin.userId);
    const file = await anon('POST', `${l.path}/content`, {}, ip);
    expect(file.status).toBe(200);
    expect(file.text).toBe('term sheet v3');
    const audit = await call(cell, admin, 'GET', `/v1/audit?resourceId=${doc}&limit=20`);
    const accessed = audit.body.items.find((e: any) => e.action === 'share_link.accessed');
    const downloaded = audit.body.items.find((e: any) => e.action === 'share_link.downloaded');
    for (const e of [accessed, downloaded]) {
      expect(e).toMatchObject({ actor: { type: 'user', id: 'anonymous' }, ip, userAgent: 'link-tester/1.0' });
      expect(e.details.linkId).toBe(l.id);
    }
    const after = await call(cell, admin, 'GET', `/v1/share-links?resourceType=document&resourceId=${doc}`);
    expect(after.body.items.find((x: any) => x.id === l.id)).toMatchObject({
      accessCount: 2,
      downloadCount: 1,
    });
  });

  it('a revoked link fails on the very next request; so does an expired one', async () => {
    const { body: l } = await link(admin, { resourceType: 'document', resourceId: doc });
    expect((await anon('GET', l.path)).status).toBe(200);
    expect((await call(cell, admin, 'DELETE', `/v1/share-links/${l.id}`)).body.status).toBe('revoked');
    const revoked = await anon('GET', l.path);
    expect(revoked.status).toBe(410);
    expect(revoked.body.error.message).toContain('revoked');
    expect((await anon('POST', `${l.path}/content`, {})).status).toBe(410);

    const { body: e } = await link(admin, { resourceType: 'document', resourceId: doc });
    expect((await anon('GET', e.path)).status).toBe(200);
    await withTenantTx(cell.deps.db, admin.tenantId, (tx) =>
      tx.execute(sql`update share_links set expires_at = now() - interval '1 second' where id = ${e.id}`),
    );
    const expired = await anon('GET', e.path);
    expect(expired.status).toBe(410);
    expect(expired.body.error.message).toContain('expired');
    // Expiry is editable: extending it brings the link back.
    const extended = await call(cell, admin, 'PATCH', `/v1/share-links/${e.id}`, {
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(extended.body.status).toBe('active');
    expect((await anon('GET', e.path)).status).toBe(200);
  });

  it('a guessed or malformed token finds nothing (404), and guessing is rate limited per address', async () => {
    const ip = freshIp();
    const guess = `${admin.tenantId}.${randomBytes(32).toString('base64url')}`;
    const res = await anon('GET', `/v1/share/${guess}`, undefined, ip);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await anon('GET', `/v1/share/${other.tenantId}.short`, undefined, ip)).status).toBe(404);
    expect(
      (await anon('GET', `/v1/share/ten_nobody-here.${randomBytes(32).toString('base64url')}`, undefined, ip))
        .status,
    ).toBe(404);
    let last = 0;
    for (let i = 0; i < 30; i++) last = (await anon('GET', `/v1/share/${guess}`, undefined, ip)).status;
    expect(last).toBe(429);
    // Even a valid link is refused from that address for now; another address is unaffected.
    const { body: l } = await link(admin, { resourceType: 'document', resourceId: doc });
    expect((await anon('GET', l.path, undefined, ip)).status).toBe(429);
    expect((await anon('GET', l.path)).status).toBe(200);
  });

  it('a password-protected link asks for it; wrong passwords are refused and counted', async () => {
    const { body: l } = await link(admin, {
      resourceType: 'document',
      resourceId: doc,
      password: 'open sesame 42',
    });
    expect(l.hasPassword).toBe(true);
    const peek = await anon('GET', l.path);
    expect(peek.status).toBe(200);
    expect(peek.body).toEqual({ requiresPassword: true });
    expect((await anon('POST', `${l.path}/open`, { password: 'nope nope' })).status).toBe(403);
    const ok = await anon('POST', `${l.path}/open`, { password: 'open sesame 42' });
    expect(ok.status).toBe(200);
    expect(ok.body.document.id).toBe(doc);
    expect((await anon('POST', `${l.path}/content`, {})).status).toBe(401);
    const file = await anon('POST', `${l.path}/content`, { password: 'open sesame 42' });
    expect(file.text).toBe('term sheet v3');
    // The password can be removed.
    await call(cell, admin, 'PATCH', `/v1/share-links/${l.id}`, { password: null });
    expect((await anon('GET', l.path)).body.document.id).toBe(doc);
  });

  it('a download limit holds: the last allowed download, then 410', async () => {
    const { body: l } = await link(admin, { resourceType: 'document', resourceId: doc, maxDownloads: 2 });
    const results = await Promise.all([1, 2, 3].map(() => anon('POST', `${l.path}/content`, {})));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 410]);
    expect((await anon('GET', l.path)).status).toBe(410);
  });

  it('a folder link browses its subtree and downloads inside it, nothing outside', async () => {
    const { body: l } = await link(admin, { resourceType: 'folder', resourceId: folder });
    const top = await anon('GET', l.path);
    expect(top.status).toBe(200);
    expect(top.body.folder).toEqual({ id: folder, name: 'Data room' });
    expect(top.body.items.map((i: any) => [i.kind, i.id])).toEqual([
      ['folder', sub],
      ['document', doc],
    ]);
    const down = await anon('POST', `${l.path}/open`, { folderId: sub });
    expect(down.body.items.map((i: any) => i.id)).toEqual([inner]);
    expect((await anon('POST', `${l.path}/content`, { documentId: inner })).text).toBe('q3 numbers');
    expect((await anon('POST', `${l.path}/content`, { documentId: outside })).status).toBe(404);
    const theirs = (await uploadDoc(cell, other.admin, 'theirs')).body.document.id;
    expect((await anon('POST', `${l.path}/content`, { documentId: theirs })).status).toBe(404);
    expect((await anon('POST', `${l.path}/open`, { folderId: 'fld_0000000000000000000000000' })).status).toBe(
      404,
    );
  });

  it("a link dies with its creator's access", async () => {
    const owner = await buildUser(cell, admin, 'editor');
    const g = await call(cell, admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: doc,
      principalType: 'user',
      principalId: owner.userId,
      role: 'owner',
    });
    const { body: l } = await link(owner, { resourceType: 'document', resourceId: doc });
    expect((await anon('GET', l.path)).status).toBe(200);
    await call(cell, admin, 'DELETE', `/v1/grants/${g.body.id}`);
    expect((await anon('GET', l.path)).status).toBe(410);
  });

  it("a link of one tenant never opens another tenant's document", async () => {
    const theirs = (await uploadDoc(cell, other.admin, 'tenant B secret')).body.document.id;
    const { body: l } = await link(other.admin, { resourceType: 'document', resourceId: theirs });
    // Same secret, wrong tenant prefix: nothing.
    const swapped = `${admin.tenantId}.${l.token.split('.')[1]}`;
    expect((await anon('GET', `/v1/share/${swapped}`)).status).toBe(404);
    expect((await anon('GET', l.path)).body.document.id).toBe(theirs);
  });
});

describe('access requests', () => {
  it('someone without access asks; owners are told; granting gives access and tells the requester', async () => {
    const asker = await buildUser(cell, admin, 'editor');
    expect((await call(cell, asker, 'GET', `/v1/documents/${outside}`)).status).toBe(404);
    const asked = await call(cell, asker, 'POST', '/v1/access-requests', {
      resourceType: 'document',
      resourceId: outside,
      message: 'Need it for the audit',
    });
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual({ status: 'pending' });
    const notes = await call(cell, admin, 'GET', '/v1/notifications?unread=true');
    const note = notes.body.items.find((n: any) => n.kind === 'access_request' && n.actorId === asker.userId);
    expect(note.data).toMatchObject({
      title: 'private.txt',
      role: 'viewer',
      message: 'Need it for the audit',
    });
    const pending = await call(cell, admin, 'GET', `/v1/access-requests?resourceId=${outside}`);
    expect(pending.body.items).toHaveLength(1);
    // Someone who cannot manage the document does not see or decide the request.
    expect((await call(cell, editor, 'GET', `/v1/access-requests?resourceId=${outside}`)).body.items).toEqual(
      [],
    );
    const id = pending.body.items[0].id;
    expect((await call(cell, editor, 'POST', `/v1/access-requests/${id}/grant`)).status).toBe(404);
    expect((await call(cell, other.admin, 'POST', `/v1/access-requests/${id}/grant`)).status).toBe(404);
    const granted = await call(cell, admin, 'POST', `/v1/access-requests/${id}/grant`);
    expect(granted.body.status).toBe('granted');
    expect((await call(cell, asker, 'GET', `/v1/documents/${outside}`)).status).toBe(200);
    const told = await call(cell, asker, 'GET', '/v1/notifications');
    expect(told.body.items.find((n: any) => n.kind === 'access_decided').data).toMatchObject({
      decision: 'granted',
      resourceId: outside,
      title: 'private.txt',
    });
    expect((await call(cell, admin, 'POST', `/v1/access-requests/${id}/decline`)).status).toBe(409);
    // Asking again for what one has: told so.
    const again = await call(cell, asker, 'POST', '/v1/access-requests', {
      resourceType: 'document',
      resourceId: outside,
    });
    expect(again.status).toBe(409);
  });

  it('a decline reaches the requester without revealing the title; an unknown or foreign resource answers the same 202', async () => {
    const asker = await buildUser(cell, admin, 'viewer');
    await call(cell, asker, 'POST', '/v1/access-requests', { resourceType: 'document', resourceId: outside });
    const id = (await call(cell, admin, 'GET', `/v1/access-requests?resourceId=${outside}`)).body.items[0].id;
    await call(cell, admin, 'POST', `/v1/access-requests/${id}/decline`);
    const told = await call(cell, asker, 'GET', '/v1/notifications');
    const decided = told.body.items.find((n: any) => n.kind === 'access_decided');
    expect(decided.data).toMatchObject({ decision: 'declined', resourceId: outside });
    expect(decided.data.title).toBeUndefined();

    const theirs = (await uploadDoc(cell, other.admin, 'B only')).body.document.id;
    const foreign = await call(cell, asker, 'POST', '/v1/access-requests', {
      resourceType: 'document',
      resourceId: theirs,
    });
    const unknown = await call(cell, asker, 'POST', '/v1/access-requests', {
      resourceType: 'document',
      resourceId: 'doc_0000000000000000000000000',
    });
    expect([foreign.status, unknown.status]).toEqual([202, 202]);
    expect(foreign.body).toEqual(unknown.body);
    expect((await call(cell, other.admin, 'GET', '/v1/access-requests')).body.items).toEqual([]);
    expect((await call(cell, other.admin, 'GET', '/v1/notifications')).body.items).toEqual([]);
  });

  it('sharing with someone notifies them; a group share notifies its members', async () => {
    const newcomer = await buildUser(cell, admin, 'viewer');
    await call(cell, admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: inner,
      principalType: 'user',
      principalId: newcomer.userId,
      role: 'viewer',
    });
    const notes = await call(cell, newcomer, 'GET', '/v1/notifications');
    expect(notes.body.items[0]).toMatchObject({
      kind: 'share',
      resourceId: inner,
      data: { role: 'viewer', title: 'q3.txt' },
    });
  });
});
