import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import { connectLive, handshakeStatus, type LiveClient, type LiveMessage } from '../support/live-client.ts';
import { startWorld, untilRouted, type World } from '../support/topology.ts';

/**
 * Collaboration as users reach it, through the edge on the one hostname: two browsers' worth of
 * WebSocket clients see each other on a document of an EU tenant (served by eu-1), comments
 * and mentions pushed to them; a share link reaches the home cell without a login through the
 * routing hint, on the regional hostname for a strict-residency tenant, and dies when revoked.
 */
let world: World;
let eu: { tenantId: string; email: string; password: string };
let strict: { tenantId: string; email: string; password: string };
let us: { tenantId: string; email: string; password: string };
let adminToken: string;
let readerToken: string;
let reader: { id: string };
let doc: string;
const clients: LiveClient[] = [];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function api(token: string, method: string, path: string, body?: unknown, host = 'quire.test') {
  const res = await world.edge.fetch(`http://${host}${path}`, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : null };
}

/** A browser tab on the live channel, through the edge: token offered as a subprotocol, Host the one hostname. */
async function tab(token: string, host = 'quire.test') {
  const c = await connectLive(`${world.edge.url.replace('http', 'ws')}/v1/live`, token, {
    headers: { host },
    heartbeatMs: 1_000,
  });
  clients.push(c);
  await c.next((m) => m.type === 'ready', 10_000, 'ready');
  return c;
}

beforeAll(async () => {
  world = await startWorld({ name: 'collab', redisDbs: [12, 13] });
  eu = await world.provision({ slug: 'collab-eu', region: 'eu' });
  strict = await world.provision({ slug: 'collab-strict', region: 'eu', strictResidency: true });
  us = await world.provision({ slug: 'collab-us', region: 'us' });
  for (const slug of ['collab-eu', 'collab-strict', 'collab-us']) await untilRouted(world, slug);
  adminToken = await world.login('collab-eu', eu.email, eu.password);
  reader = (
    await api(adminToken, 'POST', '/v1/users', {
      email: 'reader@collab-eu.example',
      name: 'Rita Reader',
      role: 'viewer',
      password: 'a long enough password',
    })
  ).body;
  readerToken = await world.login('collab-eu', 'reader@collab-eu.example', 'a long enough password');
  const up = await world.edge.fetch('http://quire.test/v1/documents', {
    method: 'POST',
    headers: {
      ...bearer(adminToken),
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: 'plan.txt' }),
    },
    body: 'the plan',
  });
  doc = ((await up.json()) as any).document.id;
  await api(adminToken, 'POST', '/v1/grants', {
    resourceType: 'document',
    resourceId: doc,
    principalType: 'user',
    principalId: reader.id,
    role: 'viewer',
  });
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await world?.close();
});

const presence = (n: number) => (m: LiveMessage) =>
  m.type === 'presence' && m.documentId === doc && m.viewers.length === n;

describe('live presence through the edge', () => {
  it('two browsers see each other on the home cell, get new comments and mentions, and the one that closes is gone', async () => {
    const admin = await tab(adminToken);
    const rita = await tab(readerToken);
    admin.send({ type: 'join', documentId: doc });
    rita.send({ type: 'join', documentId: doc });
    const both = await admin.next(presence(2), 10_000, 'two viewers');
    expect(both.viewers.map((v: any) => v.name).sort()).toEqual(['Admin of collab-eu', 'Rita Reader']);
    await rita.next(presence(2), 10_000, 'two viewers, seen by Rita');

    const posted = await api(adminToken, 'POST', `/v1/documents/${doc}/comments`, {
      body: `@[${reader.id}] ready?`,
    });
    expect(posted.status).toBe(201);
    expect(posted.headers.get('x-quire-cell')).toBe('eu-1');
    expect((await rita.next((m) => m.type === 'comment.created', 10_000, 'comment')).comment.id).toBe(
      posted.body.id,
    );
    expect((await rita.next((m) => m.type === 'notification', 10_000, 'mention')).notification.kind).toBe(
      'mention',
    );

    rita.close();
    await admin.next((m) => presence(1)(m) && m.version > both.version, 10_000, 'Rita gone');
  });

  it('no token, or a token only in the URL, is refused at the edge; a US user cannot see the EU document', async () => {
    const url = `${world.edge.url.replace('http', 'ws')}/v1/live`;
    expect(await handshakeStatus(url, ['quire.v1'], { host: 'quire.test' })).toBe(401);
    expect(
      await handshakeStatus(`${url}?access_token=${readerToken}`, ['quire.v1'], { host: 'quire.test' }),
    ).toBe(401);
    const usToken = await world.login('collab-us', us.email, us.password);
    const outsider = await tab(usToken);
    outsider.send({ type: 'join', documentId: doc });
    expect(await outsider.next((m) => m.type === 'error', 10_000, 'refusal')).toMatchObject({
      code: 'not_found',
    });
  });

  it('keeps tokens out of the edge logs', () => {
    const logs = world.edge.logs.join('\n');
    expect(logs).toContain('/v1/live');
    expect(logs).not.toContain(readerToken);
    expect(logs).not.toContain(adminToken.split('.')[2]!);
  });
});

describe('share links through the edge', () => {
  it('a link opens on the one hostname without a login (routing hint to eu-1) and fails at once when revoked', async () => {
    const made = await api(adminToken, 'POST', '/v1/share-links', {
      resourceType: 'document',
      resourceId: doc,
    });
    expect(made.status).toBe(201);
    expect(made.body.token.startsWith(`${eu.tenantId}.`)).toBe(true);
    // People get the web app's page, the token after `#` (never sent); the API opens it by path.
    expect(made.body.url).toBe(`http://quire.test/shared#${made.body.token}`);
    const opener = `http://quire.test${made.body.path}`;
    const opened = await world.edge.fetch(opener);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('x-quire-cell')).toBe('eu-1');
    expect(((await opened.json()) as any).document.id).toBe(doc);
    const file = await world.edge.fetch(`${opener}/content`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await file.text()).toBe('the plan');
    const guessed = await world.edge.fetch(
      `http://quire.test/v1/share/${eu.tenantId}.${randomBytes(32).toString('base64url')}`,
    );
    expect(guessed.status).toBe(404);
    await api(adminToken, 'DELETE', `/v1/share-links/${made.body.id}`);
    expect((await world.edge.fetch(opener)).status).toBe(410);
    // Every access is audited with the address the edge saw.
    const audit = await api(adminToken, 'GET', `/v1/audit?action=share_link.accessed&resourceId=${doc}`);
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.body.items[0].ip).toBeTruthy();
    expect(world.edge.logs.join('\n')).not.toContain(made.body.token.split('.')[1]);
  });

  it("a strict-residency tenant's link is on its region's hostname; the global one redirects there", async () => {
    const token = await world.login('collab-strict', strict.email, strict.password, 'eu.quire.test');
    const up = await world.edge.fetch('http://eu.quire.test/v1/documents', {
      method: 'POST',
      headers: {
        ...bearer(token),
        'content-type': 'text/plain',
        'upload-metadata': uploadMetadata({ filename: 'eu-only.txt' }),
      },
      body: 'stays in the EU',
    });
    const id = ((await up.json()) as any).document.id;
    const made = await api(
      token,
      'POST',
      '/v1/share-links',
      { resourceType: 'document', resourceId: id },
      'eu.quire.test',
    );
    expect(made.body.url).toBe(`http://eu.quire.test/shared#${made.body.token}`);
    const regional = `http://eu.quire.test${made.body.path}`;
    expect((await world.edge.fetch(regional)).status).toBe(200);
    const global = await world.edge.fetch(`http://quire.test${made.body.path}`, { redirect: 'manual' });
    expect(global.status).toBe(308);
    expect(global.headers.get('location')).toBe(regional);
  });
});
