import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
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
import { superuserSql } from '../../../test/support/superuser.ts';
import { unzip } from '../../../test/support/zip.ts';
import { startCollabWorker } from '../../src/modules/collab-jobs/worker.ts';
import { uploadMetadata } from '../../src/modules/documents/upload-metadata.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';
import { importTenantExport } from '../../src/modules/portability/import.ts';
import type { Manifest } from '../../src/modules/portability/manifest.ts';
import { runPortabilityExport } from '../../src/modules/portability/run.ts';

/**
 * Portability exports: a user's own data or (admins) anyone's or the tenant's; isolation
 * between tenants and users; the 7-day link; the plan's export rate; and the round trip
 * export → import into an empty tenant → export again.
 */
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker>;
let su: postgres.Sql;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let editor: TestUser;
let viewer: TestUser;
const prefix = `quire-test-portability-${process.pid}`;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX: prefix });
  worker = startCollabWorker(cell.deps, {
    redisUrl: process.env.QUIRE_REDIS_URL!,
    queuePrefix: prefix,
    mailer: createMailer({ url: undefined, from: 'x <x@x.test>' }),
    concurrency: 2,
    emailSweepMs: 600_000,
    handlers: {
      'portability-export': (d) =>
        runPortabilityExport(cell.deps, { tenantId: d.tenantId!, exportId: d.exportId! }),
    },
  });
  su = superuserSql();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  editor = await buildUser(cell, a.admin, 'editor');
  viewer = await buildUser(cell, a.admin, 'viewer');
});

afterAll(async () => {
  await worker?.stop();
  await su?.end();
  await cell?.close();
});

async function ok<T = any>(p: Promise<{ status: number; body: any }>, status = 200): Promise<T> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as T;
}

async function exportOf(user: TestUser, body: Record<string, unknown>) {
  const queued = await ok(call(cell, user, 'POST', '/v1/exports', body), 202);
  return eventually(
    async () => {
      const r = await call(cell, user, 'GET', `/v1/exports/${queued.id}`);
      return r.body.status === 'done' || r.body.status === 'failed' ? r.body : undefined;
    },
    'export finished',
    { timeoutMs: 30_000 },
  );
}

async function zipOf(user: TestUser, url: string) {
  const res = await cell.app.request(url, { headers: user.headers });
  expect(res.status).toBe(200);
  const buf = Buffer.from(await res.arrayBuffer());
  return { buf, files: await unzip(buf) };
}

/** A rich tenant: nested folders, documents with versions, tags, custom fields, comments, groups, grants. */
async function workload(t: { admin: TestUser }) {
  const top = await ok(call(cell, t.admin, 'POST', '/v1/folders', { name: 'Board' }), 201);
  const sub = await ok(
    call(cell, t.admin, 'POST', '/v1/folders', { name: 'Minutes', parentId: top.id }),
    201,
  );
  const d1 = (await uploadDoc(cell, t.admin, 'minutes of january', { filename: 'jan.txt', folderId: sub.id }))
    .body.document.id as string;
  const v2 = await cell.app.request(`/v1/documents/${d1}/versions`, {
    method: 'POST',
    headers: {
      ...t.admin.headers,
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: 'jan.txt' }),
    },
    body: 'minutes of january, corrected',
  });
  expect(v2.status).toBe(201);
  await ok(
    call(cell, t.admin, 'PATCH', `/v1/documents/${d1}`, {
      tags: ['board', 'q1'],
      customFields: { year: 2026 },
    }),
  );
  const d2 = (await uploadDoc(cell, editor, 'an editor draft', { filename: 'draft.md' })).body.document
    .id as string;
  const c1 = await ok(
    call(cell, t.admin, 'POST', `/v1/documents/${d1}/comments`, { body: 'approved?' }),
    201,
  );
  await ok(
    call(cell, t.admin, 'POST', `/v1/documents/${d1}/comments`, { body: 'yes', parentId: c1.id }),
    201,
  );
  const group = await ok(call(cell, t.admin, 'POST', '/v1/groups', { name: 'Board members' }), 201);
  await call(cell, t.admin, 'PUT', `/v1/groups/${group.id}/members/${viewer.userId}`);
  await ok(
    call(cell, t.admin, 'POST', '/v1/grants', {
      resourceType: 'folder',
      resourceId: top.id,
      principalType: 'group',
      principalId: group.id,
      role: 'viewer',
    }),
    201,
  );
  await ok(
    call(cell, t.admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: d2,
      principalType: 'user',
      principalId: viewer.userId,
      role: 'editor',
    }),
    201,
  );
  return { d1, d2 };
}

/** A manifest with every id replaced by what it names (emails, names, paths, titles): comparable across tenants. */
function normalise(m: Manifest, skipEmails: string[] = []) {
  const email = new Map(m.users.map((u) => [u.id, u.email]));
  const group = new Map(m.groups.map((g) => [g.id, g.name]));
  const folderPath = new Map<string, string>();
  for (const f of m.folders)
    folderPath.set(f.id, `${f.parentId ? folderPath.get(f.parentId) : ''}/${f.name}`);
  const title = new Map(
    m.documents.map((d) => [d.id, `${d.folderId ? folderPath.get(d.folderId) : ''}/${d.title}`]),
  );
  const comment = new Map(m.comments.map((c) => [c.id, c.body]));
  const sort = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
  return {
    users: sort(m.users.filter((u) => !skipEmails.includes(u.email)).map((u) => [u.email, u.name, u.role])),
    groups: sort(m.groups.map((g) => [g.name, g.members.map((id) => email.get(id)).sort()])),
    folders: sort([...folderPath.values()]),
    documents: sort(
      m.documents.map((d) => ({
        path: title.get(d.id),
        tags: d.tags,
        customFields: d.customFields,
        createdBy: email.get(d.createdBy),
        current: d.versions.find((v) => v.id === d.currentVersionId)?.number,
        versions: d.versions.map((v) => [v.number, v.filename, v.contentType, v.size, v.sha256]),
      })),
    ),
    comments: sort(
      m.comments.map((c) => [
        title.get(c.documentId),
        email.get(c.authorId),
        c.body,
        c.parentId ? comment.get(c.parentId) : null,
      ]),
    ),
    grants: sort(
      m.grants.map((g) => [
        g.resourceType === 'folder' ? folderPath.get(g.resourceId) : title.get(g.resourceId),
        g.principalType,
        g.principalType === 'group' ? group.get(g.principalId) : email.get(g.principalId),
        g.role,
      ]),
    ),
  };
}

let docs: { d1: string; d2: string };

describe('portability exports', () => {
  it('a user exports their own data: their profile, documents, comments, grants, consents and activity', async () => {
    docs = await workload(a);
    // Consent answers: the editor's two (a grant, then its withdrawal) and someone else's.
    const purpose = await ok(
      call(cell, a.admin, 'POST', '/v1/consent/purposes', {
        key: 'newsletter',
        name: 'Newsletter',
        textVersion: 'v1',
      }),
      201,
    );
    const answer = (u: TestUser, decision: string) =>
      ok(
        call(cell, u, 'POST', '/v1/me/consents', { purposeId: purpose.id, decision, textVersion: 'v1' }),
        201,
      );
    await answer(editor, 'granted');
    await answer(viewer, 'granted');
    await answer(editor, 'withdrawn');
    const done = await exportOf(editor, { scope: 'user' });
    expect(done).toMatchObject({ status: 'done', scope: 'user', subjectUserId: editor.userId });
    expect(done.progress.done).toBe(done.progress.total);
    const { files } = await zipOf(editor, done.downloadUrl);
    const m = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    expect(m.users.map((u) => u.id)).toEqual([editor.userId]);
    expect(m.documents.map((d) => d.id)).toEqual([docs.d2]);
    expect(files.get(m.documents[0]!.versions[0]!.file)!.toString()).toBe('an editor draft');
    expect(m.consent.map((c) => [c.userId, c.purpose.key, c.decision, c.textVersion])).toEqual([
      [editor.userId, 'newsletter', 'granted', 'v1'],
      [editor.userId, 'newsletter', 'withdrawn', 'v1'],
    ]);
    expect(Date.parse(m.consent[0]!.occurredAt)).toBeGreaterThan(0);
    const activity = JSON.parse(files.get('activity.json')!.toString()) as { actorId: string }[];
    expect(activity.length).toBeGreaterThan(0);
    expect(activity.every((e) => e.actorId === editor.userId)).toBe(true);
  });

  it("a user cannot export another user's data nor the tenant's; an admin can", async () => {
    const other = await call(cell, editor, 'POST', '/v1/exports', { scope: 'user', userId: a.admin.userId });
    expect(other.status).toBe(403);
    expect((await call(cell, editor, 'POST', '/v1/exports', { scope: 'tenant' })).status).toBe(403);
    const byAdmin = await exportOf(a.admin, { scope: 'user', userId: editor.userId });
    expect(byAdmin.status).toBe('done');
    // The editor does not see an export of the admin's own data.
    const mine = await exportOf(a.admin, { scope: 'user' });
    expect((await call(cell, editor, 'GET', `/v1/exports/${mine.id}`)).status).toBe(404);
    expect((await call(cell, editor, 'GET', `/v1/exports/${mine.id}/download`)).status).toBe(404);
  });

  it("tenant B cannot see or fetch tenant A's export", async () => {
    const done = await exportOf(a.admin, { scope: 'tenant' });
    expect((await call(cell, b.admin, 'GET', `/v1/exports/${done.id}`)).status).toBe(404);
    expect((await call(cell, b.admin, 'GET', `/v1/exports/${done.id}/download`)).status).toBe(404);
    expect((await call(cell, b.admin, 'GET', '/v1/exports')).body.exports).toEqual([]);
    // At rest it is ciphertext: the zip's bytes are not in the blob file.
    const [row] = await su<
      { blob_key: string }[]
    >`select blob_key from portability_exports where id = ${done.id}`;
    const { buf } = await zipOf(a.admin, done.downloadUrl);
    const stored = await cell.deps.blobs.get(row!.blob_key);
    const chunks: Buffer[] = [];
    for await (const c of stored) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).includes(buf.subarray(0, 64))).toBe(false);
  });

  it('the link expires after 7 days', async () => {
    const done = await exportOf(a.admin, { scope: 'user' });
    expect(new Date(done.expiresAt).getTime() - new Date(done.finishedAt).getTime()).toBe(
      7 * 24 * 3600 * 1000,
    );
    await su`update portability_exports set expires_at = now() - interval '1 second' where id = ${done.id}`;
    const gone = await call(cell, a.admin, 'GET', `/v1/exports/${done.id}/download`);
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('gone');
    expect((await call(cell, a.admin, 'GET', `/v1/exports/${done.id}`)).body.downloadUrl).toBeNull();
  });

  it("is rate limited by the plan's export rate (documents per hour)", async () => {
    const hour = Math.floor(Date.now() / 3_600_000);
    // The standard plan allows 10,000 documents an hour: 9,999 are spent.
    await cell.deps.redis.set(`quire:us-1:export-rate:${a.tenantId}:${hour}`, '9999');
    const refused = await call(cell, a.admin, 'POST', '/v1/exports', { scope: 'tenant' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('limit_exceeded');
    expect(refused.body.error.details).toMatchObject({ limit: 'exportDocsPerHour', allowed: 10_000 });
    // Another tenant's budget is its own.
    expect((await call(cell, b.admin, 'POST', '/v1/exports', { scope: 'tenant' })).status).toBe(202);
    await cell.deps.redis.del(`quire:us-1:export-rate:${a.tenantId}:${hour}`);
  });
});

describe('import', () => {
  it('export → import into an empty tenant → export again: the same manifest (ids mapped) and the same files', async () => {
    const first = await exportOf(a.admin, { scope: 'tenant' });
    const { buf, files: firstFiles } = await zipOf(a.admin, first.downloadUrl);
    const file = join(mkdtempSync(join(tmpdir(), 'quire-import-')), 'export.zip');
    writeFileSync(file, buf);

    // Refused into a tenant that holds anything.
    await expect(importTenantExport(cell.deps, a.tenantId, file)).rejects.toThrow(/not empty/);

    const c = await buildTenant(cell);
    const result = await importTenantExport(cell.deps, c.tenantId, file);
    expect(result.counts).toMatchObject({ documents: 2, versions: 3, folders: 2, comments: 2, groups: 1 });
    expect(result.counts.grants).toBeGreaterThanOrEqual(2);
    // Again into the same tenant: it is not empty any more.
    await expect(importTenantExport(cell.deps, c.tenantId, file)).rejects.toThrow(/not empty/);

    const second = await exportOf(c.admin, { scope: 'tenant' });
    const { files: secondFiles } = await zipOf(c.admin, second.downloadUrl);
    const m1 = JSON.parse(firstFiles.get('manifest.json')!.toString()) as Manifest;
    const m2 = JSON.parse(secondFiles.get('manifest.json')!.toString()) as Manifest;
    const cAdmin = m2.users.find((u) => u.id === c.admin.userId)!.email;
    expect(normalise(m2, [cAdmin])).toEqual(normalise(m1));
    // Every file, by checksum, and its bytes.
    const sums = (m: Manifest, f: Map<string, Buffer>) =>
      m.documents
        .flatMap((d) =>
          d.versions.map((v) => `${d.title}#${v.number}:${v.sha256}:${f.get(v.file)!.toString('base64')}`),
        )
        .sort();
    expect(sums(m2, secondFiles)).toEqual(sums(m1, firstFiles));
    // The imported files are encrypted under the target tenant's key: readable through its API.
    const imported = m2.documents.find((d) => d.title === 'jan.txt')!;
    const content = await cell.app.request(`/v1/documents/${imported.id}/content`, {
      headers: c.admin.headers,
    });
    expect(await content.text()).toBe('minutes of january, corrected');
    const [v] = await su<{ key_ref: string }[]>`
      select key_ref from document_versions where tenant_id = ${c.tenantId} limit 1`;
    expect(v!.key_ref).toContain(c.tenantId);
  });
});
