import { createHash } from 'node:crypto';
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
import { unzip } from '../../../test/support/zip.ts';
import { runBulkJob } from '../../src/modules/bulk/run.ts';
import { bulkItemSchema, bulkJobSchema } from '../../src/modules/bulk/schemas.ts';
import { startCollabWorker } from '../../src/modules/collab-jobs/worker.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';

/**
 * Bulk jobs (move, trash, restore, tag, export) through the worker's queue: asynchronous,
 * pollable, failures item by item, idempotent, cancellable, notified; an export holds exactly
 * what its creator may read. And folder trash: a subtree goes and comes back whole.
 */
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker>;
let admin: TestUser;
let editor: TestUser;
let viewer: TestUser;
let other: { tenantId: string; admin: TestUser };
const prefix = `quire-test-bulk-${process.pid}`;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX: prefix });
  worker = startCollabWorker(cell.deps, {
    redisUrl: process.env.QUIRE_REDIS_URL!,
    queuePrefix: prefix,
    mailer: createMailer({ url: undefined, from: 'x <x@x.test>' }),
    concurrency: 2,
    emailSweepMs: 600_000,
    handlers: { 'bulk-run': (d) => runBulkJob(cell.deps, { tenantId: d.tenantId!, jobId: d.jobId! }) },
  });
  ({ admin } = await buildTenant(cell));
  other = await buildTenant(cell);
  editor = await buildUser(cell, admin, 'editor');
  viewer = await buildUser(cell, admin, 'viewer');
});

afterAll(async () => {
  await worker?.stop();
  await cell?.close();
});

const folder = async (name: string, parentId?: string) =>
  (await call(cell, admin, 'POST', '/v1/folders', { name, ...(parentId ? { parentId } : {}) })).body
    .id as string;
const doc = async (text: string, folderId?: string, filename = 'file.txt') =>
  (await uploadDoc(cell, admin, text, { filename, ...(folderId ? { folderId } : {}) })).body.document
    .id as string;
const grant = (resourceId: string, user: TestUser, role: string) =>
  call(cell, admin, 'POST', '/v1/grants', {
    resourceType: resourceId.startsWith('fld_') ? 'folder' : 'document',
    resourceId,
    principalType: 'user',
    principalId: user.userId,
    role,
  });
const items = (...ids: string[]) =>
  ids.map((id) => ({ type: id.startsWith('fld_') ? 'folder' : 'document', id }));

async function finished(user: TestUser, id: string) {
  return eventually(
    async () => {
      const res = await call(cell, user, 'GET', `/v1/bulk-jobs/${id}`);
      // Every job answer is exactly the published BulkJob (strict: no field it does not declare).
      const job = bulkJobSchema.parse(res.body);
      return ['done', 'failed', 'cancelled'].includes(job.status) ? job : false;
    },
    `bulk job ${id} finished`,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

describe('bulk jobs', () => {
  it('moves many items as one job; what the creator cannot move fails item by item; the creator is notified', async () => {
    const from = await folder('Inbox');
    const to = await folder('Filed');
    const ids = [await doc('a', from), await doc('b', from), await doc('c', from)];
    const theirs = (await uploadDoc(cell, other.admin, 'B doc')).body.document.id;
    const res = await call(cell, admin, 'POST', '/v1/bulk-jobs', {
      kind: 'move',
      items: items(...ids, theirs, 'doc_0000000000000000000000000'),
      targetFolderId: to,
    });
    expect(res.status).toBe(202);
    expect(bulkJobSchema.parse(res.body)).toMatchObject({
      kind: 'move',
      status: 'queued',
      total: 5,
      done: 0,
      params: { targetFolderId: to },
    });
    const job = await finished(admin, res.body.id);
    expect(job).toMatchObject({ status: 'done', done: 3, failed: 2, pending: 0 });
    const failures = await call(cell, admin, 'GET', `/v1/bulk-jobs/${job.id}/items?status=failed`);
    for (const i of failures.body.items) bulkItemSchema.parse(i);
    expect(failures.body.items.map((i: any) => [i.resourceId, i.error.code])).toEqual([
      [theirs, 'not_found'],
      ['doc_0000000000000000000000000', 'not_found'],
    ]);
    for (const id of ids)
      expect((await call(cell, admin, 'GET', `/v1/documents/${id}`)).body.folderId).toBe(to);
    const notes = await call(cell, admin, 'GET', '/v1/notifications');
    expect(
      notes.body.items.find((n: any) => n.kind === 'bulk_done' && n.resourceId === job.id).data,
    ).toMatchObject({
      done: 3,
      failed: 2,
    });
    const audit = await call(cell, admin, 'GET', `/v1/audit?action=document.moved&resourceId=${ids[0]}`);
    expect(audit.body.items[0].details.bulkJobId).toBe(job.id);
  });

  it('an editor cannot move what they do not own (403 per item), but may tag it', async () => {
    const f = await folder('Shared with editor');
    const ids = [await doc('x', f), await doc('y', f)];
    await grant(f, editor, 'editor');
    const move = await call(cell, editor, 'POST', '/v1/bulk-jobs', {
      kind: 'move',
      items: items(...ids),
      targetFolderId: null,
    });
    const moved = await finished(editor, move.body.id);
    expect(moved).toMatchObject({ done: 0, failed: 2 });
    const tagged = await finished(
      editor,
      (
        await call(cell, editor, 'POST', '/v1/bulk-jobs', {
          kind: 'tag',
          items: items(...ids),
          tags: { add: ['q4', 'legal'], remove: ['draft'] },
        })
      ).body.id,
    );
    expect(tagged).toMatchObject({ done: 2, failed: 0 });
    expect((await call(cell, editor, 'GET', `/v1/documents/${ids[0]}`)).body.tags).toEqual(['q4', 'legal']);
  });

  it('is idempotent with an Idempotency-Key; the same key for another request is refused', async () => {
    const f = await folder('Idem');
    const id = await doc('i', f);
    const send = (body: unknown) =>
      cell.app.request('/v1/bulk-jobs', {
        method: 'POST',
        headers: { ...admin.headers, 'content-type': 'application/json', 'idempotency-key': 'trash-once-1' },
        body: JSON.stringify(body),
      });
    const first = await send({ kind: 'trash', items: items(id) });
    expect(first.status).toBe(202);
    const again = await send({ kind: 'trash', items: items(id) });
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).id).toBe(((await first.json()) as any).id);
    expect((await send({ kind: 'restore', items: items(id) })).status).toBe(409);
  });

  it('trashes and restores; running a finished job again changes nothing', async () => {
    const f = await folder('Cleanup');
    const ids = [await doc('1', f), await doc('2', f)];
    const trash = await finished(
      admin,
      (await call(cell, admin, 'POST', '/v1/bulk-jobs', { kind: 'trash', items: items(...ids) })).body.id,
    );
    expect(trash.done).toBe(2);
    expect((await call(cell, admin, 'GET', `/v1/documents/${ids[0]}`)).body.trashedAt).not.toBeNull();
    await runBulkJob(cell.deps, { tenantId: admin.tenantId, jobId: trash.id });
    expect((await call(cell, admin, 'GET', `/v1/bulk-jobs/${trash.id}`)).body).toMatchObject({
      done: 2,
      status: 'done',
    });
    const back = await finished(
      admin,
      (await call(cell, admin, 'POST', '/v1/bulk-jobs', { kind: 'restore', items: items(...ids) })).body.id,
    );
    expect(back.done).toBe(2);
    expect((await call(cell, admin, 'GET', `/v1/documents/${ids[1]}`)).body.trashedAt).toBeNull();
  });

  it('cancels: a running job stops after the chunk in hand, the rest of its items cancelled', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => ({
      type: 'document',
      id: `doc_${String(i).padStart(25, '0')}`,
    }));
    const res = await call(cell, admin, 'POST', '/v1/bulk-jobs', { kind: 'trash', items: many });
    const cancel = await call(cell, admin, 'POST', `/v1/bulk-jobs/${res.body.id}/cancel`);
    expect(cancel.status).toBe(200);
    const job = await finished(admin, res.body.id);
    expect(job.status).toBe('cancelled');
    expect(job.done + job.failed).toBeLessThan(1500);
    const left = await call(cell, admin, 'GET', `/v1/bulk-jobs/${job.id}/items?status=cancelled&limit=1`);
    expect(left.body.items).toHaveLength(1);
    expect((await call(cell, admin, 'POST', `/v1/bulk-jobs/${job.id}/cancel`)).status).toBe(409);
  });

  it('only its creator sees a job: another user or tenant gets 404 everywhere', async () => {
    const res = await call(cell, admin, 'POST', '/v1/bulk-jobs', {
      kind: 'trash',
      items: items(await doc('z')),
    });
    for (const who of [viewer, other.admin]) {
      for (const [method, path] of [
        ['GET', `/v1/bulk-jobs/${res.body.id}`],
        ['GET', `/v1/bulk-jobs/${res.body.id}/items`],
        ['POST', `/v1/bulk-jobs/${res.body.id}/cancel`],
        ['GET', `/v1/bulk-jobs/${res.body.id}/result`],
      ] as const) {
        expect((await call(cell, who, method, path)).status, `${method} ${path}`).toBe(404);
      }
    }
    const tooMany = Array.from({ length: 10_001 }, () => ({
      type: 'document',
      id: 'doc_0000000000000000000000000',
    }));
    expect((await call(cell, admin, 'POST', '/v1/bulk-jobs', { kind: 'trash', items: tooMany })).status).toBe(
      400,
    );
  });
});

describe('bulk export', () => {
  it('a zip with a manifest holding exactly what the creator may read', async () => {
    const top = await folder('Board pack');
    const sub = await folder('Minutes', top);
    const hidden = await folder('Private', top);
    const a = await doc('minutes jan', sub, 'jan.txt');
    const b = await doc('minutes feb', sub, 'feb.txt');
    await doc('not for viewers', hidden, 'secret.txt');
    const loose = await doc('loose paper', undefined, 'loose.txt');
    const forbidden = await doc('forbidden', undefined, 'forbidden.txt');
    await grant(sub, viewer, 'viewer');
    await grant(loose, viewer, 'viewer');
    const res = await call(cell, viewer, 'POST', '/v1/bulk-jobs', {
      kind: 'export',
      items: items(sub, loose, forbidden, top),
    });
    expect(res.status).toBe(202);
    const job = await finished(viewer, res.body.id);
    expect(job).toMatchObject({ status: 'done', done: 2, failed: 2, hasDownload: true });
    expect(job.result).toMatchObject({ phase: 'done', files: 3, filesWritten: 3 });
    const dl = await cell.app.request(`/v1/bulk-jobs/${job.id}/result`, { headers: viewer.headers });
    expect(dl.status).toBe(200);
    const files = await unzip(Buffer.from(await dl.arrayBuffer()));
    expect([...files.keys()].sort()).toEqual([
      'Minutes/feb.txt',
      'Minutes/jan.txt',
      'loose.txt',
      'manifest.json',
    ]);
    expect(files.get('Minutes/jan.txt')!.toString()).toBe('minutes jan');
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest.files.map((f: any) => f.documentId).sort()).toEqual([a, b, loose].sort());
    for (const f of manifest.files) {
      expect(createHash('sha256').update(files.get(f.path)!).digest('hex')).toBe(f.sha256);
    }
    expect(manifest.items.filter((i: any) => i.status === 'failed').map((i: any) => i.error.code)).toEqual([
      'not_found',
      'not_found',
    ]);
    const note = await call(cell, viewer, 'GET', '/v1/notifications');
    expect(note.body.items.some((n: any) => n.kind === 'export_ready' && n.resourceId === job.id)).toBe(true);
    const audit = await call(cell, admin, 'GET', `/v1/audit?action=document.exported&resourceId=${a}`);
    expect(audit.body.items[0].details.bulkJobId).toBe(job.id);
  });
});

describe('folder trash', () => {
  it('trashing a folder trashes its subtree; restoring brings back exactly what went with it', async () => {
    const top = await folder('Projects');
    const child = await folder('Alpha', top);
    const d1 = await doc('one', top);
    const d2 = await doc('two', child);
    const before = await doc('already trashed', child);
    await call(cell, admin, 'DELETE', `/v1/documents/${before}`);
    const trashed = await call(cell, admin, 'POST', `/v1/folders/${top}/trash`);
    expect(trashed.status).toBe(200);
    expect(trashed.body).toMatchObject({ folders: 2, documents: 2 });
    expect(trashed.body.folder.trashedAt).not.toBeNull();
    const root = await call(cell, admin, 'GET', '/v1/folders/root/children?limit=200');
    expect(root.body.items.some((i: any) => i.id === top)).toBe(false);
    expect((await call(cell, admin, 'GET', '/v1/trash/folders')).body.items.map((f: any) => f.id)).toContain(
      top,
    );
    // Inside the trash, nothing is restored or created piecemeal.
    expect((await call(cell, admin, 'POST', `/v1/documents/${d2}/restore`)).status).toBe(409);
    expect((await call(cell, admin, 'POST', `/v1/folders/${child}/restore`)).status).toBe(409);
    expect((await call(cell, admin, 'POST', '/v1/folders', { name: 'x', parentId: child })).status).toBe(409);
    expect((await uploadDoc(cell, admin, 'new', { folderId: child })).status).toBe(409);
    // Owners only.
    await grant(top, editor, 'editor');
    expect((await call(cell, editor, 'POST', `/v1/folders/${top}/restore`)).status).toBe(403);
    expect((await call(cell, other.admin, 'POST', `/v1/folders/${top}/restore`)).status).toBe(404);
    const restored = await call(cell, admin, 'POST', `/v1/folders/${top}/restore`);
    expect(restored.body).toMatchObject({ folders: 2, documents: 2 });
    for (const id of [d1, d2])
      expect((await call(cell, admin, 'GET', `/v1/documents/${id}`)).body.trashedAt).toBeNull();
    expect((await call(cell, admin, 'GET', `/v1/documents/${before}`)).body.trashedAt).not.toBeNull();
    // Folders in bulk jobs too.
    const job = await finished(
      admin,
      (await call(cell, admin, 'POST', '/v1/bulk-jobs', { kind: 'trash', items: items(top) })).body.id,
    );
    expect(job.done).toBe(1);
    expect((await call(cell, admin, 'GET', `/v1/documents/${d2}`)).body.trashedAt).not.toBeNull();
  });
});
