import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import { connectLive } from '../support/live-client.ts';
import { startWorld, untilRouted, type World } from '../support/topology.ts';

/**
 * "No tenant content crosses regions", as a test: after a workload on an EU tenant through
 * the one hostname, no byte of its documents' text, file names, users' emails or names is
 * in any store of us-1 (its Postgres database, blob folder, Redis database) nor in the control
 * plane (database and logs), nor in the edge's logs. The same scan run over eu-1 finds them
 * (the scan can find what it looks for).
 */
let world: World;
const MARK = `zq${Date.now().toString(36)}`;
const secrets = {
  documentText: `The merger of ${MARK}Alpenrose and Brightwater closes on the ninth`,
  filename: `${MARK}-Vertrag-Alpenrose.txt`,
  title: `${MARK} Vertraulicher Vertrag`,
  folderName: `${MARK} Rechtsabteilung`,
  adminEmail: `${MARK}.admin@alpenrose.example`,
  adminName: `${MARK} Adelheid Vogelsang`,
  userEmail: `${MARK}.kurt@alpenrose.example`,
  userName: `${MARK} Kurt Brenninkmeyer`,
  tag: `${MARK}-vertraulich`,
  commentText: `${MARK} Bitte Klausel sieben prüfen`,
  requestMessage: `${MARK} Zugang für die Prüfung erbeten`,
};

async function dumpDatabase(database: string): Promise<string> {
  const url = new URL(process.env.QUIRE_PG_ADMIN_URL!);
  url.pathname = `/${database}`;
  // The superuser: bypasses row-level security, so the dump is every row of every table.
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ schema: string; name: string }[]>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`;
    expect(tables.length).toBeGreaterThan(3);
    let text = '';
    for (const t of tables) {
      const rows = await sql.unsafe(`select t::text as row from "${t.schema}"."${t.name}" t`);
      for (const r of rows) text += `${r.row}\n`;
    }
    return text;
  } finally {
    await sql.end();
  }
}

function dumpFolder(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      parts.push(Buffer.from(p));
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

async function dumpRedis(db: number): Promise<Buffer> {
  const redis = new Redis(`${process.env.QUIRE_REDIS_URL!.replace(/\/\d*$/, '')}/${db}`);
  try {
    const parts: Buffer[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        parts.push(Buffer.from(key));
        const value = await redis.dumpBuffer(key);
        if (value) parts.push(value);
      }
    } while (cursor !== '0');
    return Buffer.concat(parts);
  } finally {
    redis.disconnect();
  }
}

function findings(haystack: string | Buffer): string[] {
  const text = Buffer.isBuffer(haystack) ? haystack.toString('latin1') : haystack;
  const found = Object.entries(secrets)
    .filter(([, v]) => text.includes(v))
    .map(([k]) => k);
  // The marker alone catches partial copies (a name without its surname, a lowercased email).
  if (text.toLowerCase().includes(MARK)) found.push('marker');
  return found;
}

beforeAll(async () => {
  world = await startWorld({ name: 'residency', redisDbs: [10, 11] });
  const us = await world.provision({ slug: 'homebase-us', region: 'us' });
  const eu = await world.provision({
    slug: 'alpenrose',
    region: 'eu',
    strictResidency: true,
    admin: { email: secrets.adminEmail, name: secrets.adminName, password: 'a long enough password' },
  });
  await untilRouted(world, 'alpenrose');
  await untilRouted(world, 'homebase-us');

  // A US workload, so us-1's stores are not trivially empty.
  const usToken = await world.login('homebase-us', us.email, us.password);
  const usUpload = await world.edge.fetch('http://quire.test/v1/documents', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${usToken}`,
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: 'us-notes.txt' }),
    },
    body: 'quarterly notes of the US tenant',
  });
  expect(usUpload.status).toBe(201);

  // The EU workload, all through the EU hostname.
  const host = 'http://eu.quire.test';
  const token = await world.login('alpenrose', eu.email, eu.password, 'eu.quire.test');
  const auth = { authorization: `Bearer ${token}` };
  const json = async (method: string, path: string, body?: unknown) => {
    const res = await world.edge.fetch(`${host}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.status === 204 ? null : ((await res.json()) as any);
  };
  const user = await json('POST', '/v1/users', {
    email: secrets.userEmail,
    name: secrets.userName,
    role: 'editor',
    password: 'another long password',
  });
  const folder = await json('POST', '/v1/folders', { name: secrets.folderName });
  const upload = await world.edge.fetch(`${host}/v1/documents?folderId=${folder.id}`, {
    method: 'POST',
    headers: {
      ...auth,
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: secrets.filename, title: secrets.title }),
    },
    body: secrets.documentText,
  });
  expect(upload.status).toBe(201);
  const doc = ((await upload.json()) as any).document;
  await json('PATCH', `/v1/documents/${doc.id}`, { tags: [secrets.tag] });
  await json('POST', '/v1/grants', {
    resourceType: 'folder',
    resourceId: folder.id,
    principalType: 'user',
    principalId: user.id,
    role: 'viewer',
  });
  const download = await world.edge.fetch(`${host}/v1/documents/${doc.id}/content`, { headers: auth });
  expect(await download.text()).toBe(secrets.documentText);
  const userToken = await world.login(
    'alpenrose',
    secrets.userEmail,
    'another long password',
    'eu.quire.test',
  );
  const seen = await world.edge.fetch(`${host}/v1/documents/${doc.id}`, {
    headers: { authorization: `Bearer ${userToken}` },
  });
  expect(seen.status).toBe(200);
  // A failed login with the person's email: throttling keys, audit rows and logs see it.
  await world.edge.fetch('http://alpenrose.eu.quire.test/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: secrets.userEmail, password: 'not the password' }),
  });
  await json('GET', `/v1/audit?limit=50`);
  // Collaboration: a comment mentioning the user (a notification), a presence session through
  // the edge on the EU hostname, a share link opened without login, an access request.
  const commented = await json('POST', `/v1/documents/${doc.id}/comments`, {
    body: `${secrets.commentText} @[${user.id}]`,
  });
  expect(commented.mentions).toHaveLength(1);
  const tab = await connectLive(`${world.edge.url.replace('http', 'ws')}/v1/live`, userToken, {
    headers: { host: 'eu.quire.test' },
    heartbeatMs: 1_000,
  });
  tab.send({ type: 'join', documentId: doc.id });
  await tab.next((m) => m.type === 'presence' && m.viewers.length === 1, 10_000, 'presence');
  const link = await json('POST', '/v1/share-links', { resourceType: 'document', resourceId: doc.id });
  // The link is the web app's page on the region's hostname; its API path opens it there.
  expect(link.url).toBe(`http://eu.quire.test/shared#${link.token}`);
  expect((await world.edge.fetch(`http://eu.quire.test${link.path}`)).status).toBe(200);
  const restricted = await world.edge.fetch(`${host}/v1/folders`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Closed room' }),
  });
  const closed = ((await restricted.json()) as any).id as string;
  const asked = await world.edge.fetch(`${host}/v1/access-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resourceType: 'folder', resourceId: closed, message: secrets.requestMessage }),
  });
  expect(asked.status).toBe(202);
  tab.close();

  // Searches: the worker indexes the document (extracted text, title, tags), the user finds it.
  const deadline = Date.now() + 30_000;
  let found = 0;
  while (Date.now() < deadline && found === 0) {
    const res = await json('POST', '/v1/search', { q: `${MARK}Alpenrose` });
    found = res.total;
    if (found === 0) await new Promise((r) => setTimeout(r, 300));
  }
  expect(found).toBe(1);
  await json('POST', '/v1/search', { q: `"merger of ${MARK}Alpenrose"`, facets: ['tags', 'author'] });
  await json('POST', '/v1/search', { q: `${MARK}*` });
  // Let heartbeats and config pulls run with this tenant in place.
  await new Promise((r) => setTimeout(r, 2_500));
}, 180_000);

afterAll(async () => {
  await world?.close();
});

describe('EU tenant content never leaves eu-1', () => {
  it('is not in any store of us-1', async () => {
    const us1 = world.topology.cells.get('us-1')!;
    expect(findings(await dumpDatabase(us1.database))).toEqual([]);
    expect(findings(dumpFolder(us1.dir))).toEqual([]);
    expect(findings(await dumpRedis(us1.spec.redisDb))).toEqual([]);
    expect(findings(us1.logs.join('\n'))).toEqual([]);
  });

  it('is not in the control plane: its database and its logs', async () => {
    expect(findings(await dumpDatabase(world.topology.controlPlaneDatabase.name))).toEqual([]);
    expect(world.topology.controlPlane.logs.length).toBeGreaterThan(5);
    expect(findings(world.topology.controlPlane.logs.join('\n'))).toEqual([]);
  });

  it('is not in the edge logs either (no bodies, no tokens)', async () => {
    expect(world.edge.logs.length).toBeGreaterThan(0);
    expect(findings(world.edge.logs.join('\n'))).toEqual([]);
  });

  it('is in no URL the edge saw (a provider logs URLs) and not in the edge’s local state', async () => {
    // Uploads, searches, renames, logins: the workload sent all of it, none in a URL.
    expect(world.edge.urls.length).toBeGreaterThan(10);
    expect(world.edge.urls.some((u) => u.includes('/v1/search'))).toBe(true);
    expect(findings(world.edge.urls.map((u) => decodeURIComponent(u)).join('\n'))).toEqual([]);
    const state = dumpFolder(join(world.dir, 'edge-state'));
    expect(state.length).toBeGreaterThan(0); // the route table's KV copy is there to scan
    expect(findings(state)).toEqual([]);
  });

  it('is where it belongs: the same scan finds it in eu-1, and the document text only as ciphertext on disk', async () => {
    const eu1 = world.topology.cells.get('eu-1')!;
    const db = findings(await dumpDatabase(eu1.database));
    // The search index (Postgres engine) holds the extracted text: the scan finds document text when it is there.
    expect(db).toEqual(
      expect.arrayContaining([
        'adminEmail',
        'userEmail',
        'userName',
        'filename',
        'title',
        'tag',
        'documentText',
        'commentText',
        'requestMessage',
      ]),
    );
    const disk = findings(dumpFolder(join(eu1.dir, 'blobs')));
    expect(disk).not.toContain('documentText');
  });
});
