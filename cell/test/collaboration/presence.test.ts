import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import {
  buildTenant,
  buildUser,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import {
  connectLive,
  handshakeStatus,
  type LiveClient,
  type LiveMessage,
} from '../../../test/support/live-client.ts';
import { serveCell } from '../../src/http/serve.ts';

/**
 * Live presence over WebSocket against two API processes of one cell (same database, Redis and
 * keys): shared through Redis, authenticated without a token in the URL, gone within the TTL,
 * never shown to someone who cannot read the document or of another tenant; new comments and
 * notifications pushed on the same channel.
 */
const env = { PRESENCE_TTL_SECONDS: '3', PRESENCE_RECHECK_SECONDS: '1' };
let a: TestCell;
let b: TestCell;
let urlA: string;
let urlB: string;
const servers: { close(cb?: () => void): void }[] = [];
let admin: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let other: { tenantId: string; admin: TestUser };
let doc: string;
const clients: LiveClient[] = [];

async function serve(cell: TestCell): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    servers.push(
      serveCell(cell.app, { hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => resolve(info.port)),
    );
  });
  return `ws://127.0.0.1:${port}/v1/live`;
}

async function live(url: string, user: TestUser, o: Parameters<typeof connectLive>[2] = {}) {
  const c = await connectLive(url, user.token, { heartbeatMs: 500, ...o });
  clients.push(c);
  await c.next((m) => m.type === 'ready');
  return c;
}

const presenceOf = (documentId: string, n: number) => (m: LiveMessage) =>
  m.type === 'presence' && m.documentId === documentId && m.viewers.length === n;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-cell-'));
  a = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, env, dir);
  b = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, env, dir);
  urlA = await serve(a);
  urlB = await serve(b);
  ({ admin } = await buildTenant(a));
  other = await buildTenant(a);
  viewer = await buildUser(a, admin, 'viewer');
  outsider = await buildUser(a, admin, 'editor');
  doc = (await uploadDoc(a, admin, 'live doc')).body.document.id;
  await call(a, admin, 'POST', '/v1/grants', {
    resourceType: 'document',
    resourceId: doc,
    principalType: 'user',
    principalId: viewer.userId,
    role: 'viewer',
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of servers) s.close();
  await a.close();
  await b.close();
});

describe('presence across two API processes', () => {
  it('viewers on different processes see each other; a closed tab is gone at once', async () => {
    const v = await live(urlA, viewer);
    v.send({ type: 'join', documentId: doc });
    await v.next(presenceOf(doc, 1), 5_000, 'presence of one');
    const ad = await live(urlB, admin, { how: 'header' });
    ad.send({ type: 'join', documentId: doc });
    const both = await v.next(presenceOf(doc, 2), 5_000, 'presence of two on A');
    expect(both.viewers.map((x: any) => x.name).sort()).toEqual(['A viewer', 'Admin']);
    await ad.next(presenceOf(doc, 2), 5_000, 'presence of two on B');
    v.close();
    const after = await ad.next(
      (m) =>
        m.type === 'presence' && m.documentId === doc && m.version > both.version && m.viewers.length === 1,
      5_000,
      'presence after the tab closed',
    );
    expect(after.viewers[0].userId).toBe(admin.userId);
    ad.send({ type: 'leave', documentId: doc });
    await ad.next((m) => m.type === 'left');
  });

  it('a tab that stops its heartbeat (killed) is dropped within the TTL', async () => {
    const watcher = await live(urlA, admin);
    watcher.send({ type: 'join', documentId: doc });
    const silent = await connectLive(urlB, viewer.token);
    clients.push(silent);
    silent.send({ type: 'join', documentId: doc });
    await watcher.next(presenceOf(doc, 2), 5_000, 'the silent tab joining');
    const started = Date.now();
    const closed = await silent.closed;
    expect(closed.code).toBe(4000);
    await watcher.next(
      (m) => presenceOf(doc, 1)(m) && Date.now() - started > 0,
      5_000,
      'the silent tab gone',
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    watcher.close();
  });

  it('a connection of a process that died expires from Redis and the others are told', async () => {
    const watcher = await live(urlA, admin);
    watcher.send({ type: 'join', documentId: doc });
    await watcher.next(presenceOf(doc, 1));
    // What a killed process leaves behind: an entry nobody refreshes.
    const ghost = JSON.stringify({ c: 'ghost', u: viewer.userId, n: 'A viewer', s: Date.now() });
    await a.deps.redis.zadd(`quire:presence:${admin.tenantId}:${doc}`, Date.now() + 1_000, ghost);
    watcher.send({ type: 'leave', documentId: doc });
    watcher.send({ type: 'join', documentId: doc });
    await watcher.next(presenceOf(doc, 2), 5_000, 'the ghost seen');
    const gone = await watcher.next(
      (m) =>
        presenceOf(doc, 1)(m) && watcher.messages.indexOf(m) > watcher.messages.findIndex(presenceOf(doc, 2)),
      6_000,
      'the ghost expired',
    );
    expect(gone.viewers[0].userId).toBe(admin.userId);
    watcher.close();
  });
});

describe('who may connect and see presence', () => {
  it('authenticates by subprotocol (browsers) or header, never from the URL', async () => {
    expect(await handshakeStatus(urlA, ['quire.v1', `quire.bearer.${viewer.token}`])).toBe(101);
    expect(await handshakeStatus(urlA, ['quire.v1'])).toBe(401);
    expect(await handshakeStatus(`${urlA}?access_token=${viewer.token}`, ['quire.v1'])).toBe(401);
    expect(await handshakeStatus(urlA, ['quire.v1', 'quire.bearer.not-a-token'])).toBe(401);
    const c = await live(urlA, viewer);
    expect(c.ws.protocol).toBe('quire.v1');
    // A plain GET is not an upgrade: 426, saying which upgrade.
    const plain = await call(a, viewer, 'GET', '/v1/live');
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe('upgrade_required');
    expect(plain.headers.get('upgrade')).toBe('websocket');
  });

  it('someone who cannot read the document, or of another tenant, cannot join or see its viewers', async () => {
    const v = await live(urlA, viewer);
    v.send({ type: 'join', documentId: doc });
    await v.next(presenceOf(doc, 1));
    for (const who of [outsider, other.admin]) {
      const c = await live(urlB, who);
      c.send({ type: 'join', documentId: doc });
      const err = await c.next((m) => m.type === 'error');
      expect(err).toMatchObject({ code: 'not_found', documentId: doc });
      // Another viewer arriving is not shown to them.
      const extra = await live(urlA, admin);
      extra.send({ type: 'join', documentId: doc });
      await v.next(presenceOf(doc, 2));
      await new Promise((r) => setTimeout(r, 300));
      expect(c.messages.some((m) => m.type === 'presence')).toBe(false);
      extra.close();
      await v.next((m) => presenceOf(doc, 1)(m) && v.messages.filter(presenceOf(doc, 2)).length > 0);
    }
    v.close();
  });

  it('when access is revoked, the viewer is taken out of the document on the next check', async () => {
    const g = await call(a, admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: doc,
      principalType: 'user',
      principalId: outsider.userId,
      role: 'viewer',
    });
    const c = await live(urlA, outsider);
    c.send({ type: 'join', documentId: doc });
    await c.next((m) => m.type === 'joined');
    await call(a, admin, 'DELETE', `/v1/grants/${g.body.id}`);
    const left = await c.next((m) => m.type === 'left', 5_000, 'left after revocation');
    expect(left).toMatchObject({ documentId: doc, reason: 'access_revoked' });
    c.close();
  });
});

describe('pushed on the same channel', () => {
  it('new comments reach the document’s viewers, mentions reach the person', async () => {
    const v = await live(urlB, viewer);
    v.send({ type: 'join', documentId: doc });
    await v.next((m) => m.type === 'joined');
    const posted = await call(a, admin, 'POST', `/v1/documents/${doc}/comments`, {
      body: `@[${viewer.userId}] see this`,
    });
    expect(posted.status).toBe(201);
    const comment = await v.next((m) => m.type === 'comment.created', 5_000, 'the comment pushed');
    expect(comment.comment).toMatchObject({ id: posted.body.id, body: `@[${viewer.userId}] see this` });
    const note = await v.next((m) => m.type === 'notification', 5_000, 'the mention pushed');
    expect(note.notification).toMatchObject({ kind: 'mention', resourceId: doc });
    // Nobody of another tenant hears anything.
    const theirs = await live(urlA, other.admin);
    await new Promise((r) => setTimeout(r, 300));
    expect(theirs.messages.map((m) => m.type)).toEqual(['ready']);
    await eventually(async () => v.messages.length > 0, 'messages arrived');
  });
});
