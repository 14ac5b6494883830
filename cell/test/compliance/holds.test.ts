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
import { runBulkJob } from '../../src/modules/bulk/run.ts';
import { startCollabWorker } from '../../src/modules/collab-jobs/worker.ts';
import { runErasure } from '../../src/modules/erasure/run.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';
import { SearchDrainer } from '../../src/modules/search/drain.ts';

/**
 * Legal holds (issue 14): held items survive every deletion path (single trash, permanent
 * delete, folder trash, bulk trash, erasure of a custodian); each stopped request is refused
 * with 409 `legal_hold`, queued and notified, and resumed in order on release; history as
 * JSON and CSV; admins only; tenants isolated.
 */
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker> | undefined;
let admin: TestUser;
let editor: TestUser;
let tenantId: string;
let other: { tenantId: string; admin: TestUser };
const prefix = `quire-test-holds-${process.pid}`;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX: prefix });
  const t = await buildTenant(cell);
  admin = t.admin;
  tenantId = t.tenantId;
  other = await buildTenant(cell);
  editor = await buildUser(cell, admin, 'editor');
});

afterAll(async () => {
  await worker?.stop();
  await cell?.close();
});

const doc = async (user: TestUser, text: string, folderId?: string) =>
  (await uploadDoc(cell, user, text, { filename: 'f.txt', ...(folderId ? { folderId } : {}) })).body.document
    .id as string;
const hold = async (body: Record<string, unknown>) => {
  const res = await call(cell, admin, 'POST', '/v1/legal-holds', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const expectHeld = (res: { status: number; body: Record<string, any> }, holdId: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  expect(res.body.error.details).toMatchObject({ reason: 'legal_hold', queued: true });
  expect(res.body.error.details.holdIds).toContain(holdId);
};

describe('legal holds', () => {
  it('block every deletion path, queue the requests, and resume them in order on release', async () => {
    const folder = (await call(cell, editor, 'POST', '/v1/folders', { name: 'Matter 7' })).body.id as string;
    const inFolder = await doc(editor, 'board minutes', folder);
    const single = await doc(editor, 'contract draft');
    const trashed = await doc(editor, 'old memo');
    expect((await call(cell, editor, 'DELETE', `/v1/documents/${trashed}`)).status).toBe(200);
    const free1 = await doc(editor, 'free one');
    const bulkHeld = await doc(editor, 'bulk held');
    const free2 = await doc(editor, 'free two');
    const searched = await doc(admin, 'the zanzibar agreement');
    await new SearchDrainer(cell.deps, { tenantIds: [tenantId] }).drainUntilIdle();

    // Non-admins are refused; tenant B cannot see A's holds.
    expect((await call(cell, editor, 'POST', '/v1/legal-holds', { name: 'x' })).status).toBe(403);
    expect((await call(cell, editor, 'GET', '/v1/legal-holds')).status).toBe(403);
    const h = await hold({
      name: 'Litigation 2026-14',
      documentIds: [single, trashed],
      folderIds: [folder],
      search: { q: 'zanzibar' },
    });
    expect(h.searchMatches).toBe(1);
    expect((await call(cell, other.admin, 'GET', `/v1/legal-holds/${h.id}`)).status).toBe(404);
    expect((await call(cell, other.admin, 'POST', `/v1/legal-holds/${h.id}/release`)).status).toBe(404);
    expect((await call(cell, other.admin, 'GET', '/v1/legal-holds')).body.items).toEqual([]);
    expect((await call(cell, other.admin, 'GET', '/v1/legal-holds/queue')).body.items).toEqual([]);
    // Tenant B cannot hold A's documents either (they do not exist for it).
    expect(
      (await call(cell, other.admin, 'POST', '/v1/legal-holds', { name: 'y', documentIds: [single] })).status,
    ).toBe(404);

    // Single trash, permanent delete, folder trash, a document in a held folder, a saved-search match.
    expectHeld(await call(cell, editor, 'DELETE', `/v1/documents/${single}`), h.id);
    expectHeld(await call(cell, editor, 'DELETE', `/v1/documents/${trashed}/permanent`), h.id);
    expectHeld(await call(cell, editor, 'POST', `/v1/folders/${folder}/trash`), h.id);
    expectHeld(await call(cell, editor, 'DELETE', `/v1/documents/${inFolder}`), h.id);
    expectHeld(await call(cell, admin, 'DELETE', `/v1/documents/${searched}`), h.id);
    expect((await call(cell, editor, 'GET', `/v1/documents/${single}`)).body.trashedAt).toBeNull();
    expect((await call(cell, editor, 'GET', `/v1/documents/${trashed}`)).status).toBe(200);

    // A bulk trash created before the hold reached its item: the hold stops it there.
    const job = await call(cell, editor, 'POST', '/v1/bulk-jobs', {
      kind: 'trash',
      items: [free1, bulkHeld, free2].map((id) => ({ type: 'document', id })),
    });
    expect(job.status).toBe(202);
    const h2 = await hold({ name: 'Second matter', documentIds: [bulkHeld] });
    await runBulkJob(cell.deps, { tenantId, jobId: job.body.id });
    const items = await call(cell, editor, 'GET', `/v1/bulk-jobs/${job.body.id}/items`);
    const byId = Object.fromEntries(items.body.items.map((i: any) => [i.resourceId ?? i.id, i]));
    expect(byId[bulkHeld].status).toBe('failed');
    expect(byId[free1].status).toBe('done');
    expect(byId[free2].status).toBe('done');
    expect((await call(cell, editor, 'GET', `/v1/documents/${bulkHeld}`)).body.trashedAt).toBeNull();

    // The requester is told why.
    const notes = await call(cell, editor, 'GET', '/v1/notifications');
    const blocked = notes.body.items.filter((n: any) => n.kind === 'hold_blocked');
    expect(blocked.length).toBeGreaterThanOrEqual(5);

    // Queued, in order.
    const queue = await call(cell, admin, 'GET', '/v1/legal-holds/queue?status=queued');
    expect(queue.body.items.map((q: any) => [q.kind, q.targetId])).toEqual([
      ['document.trash', single],
      ['document.delete', trashed],
      ['folder.trash', folder],
      ['document.trash', inFolder],
      ['document.trash', searched],
      ['bulk.item', bulkHeld],
    ]);

    // Release the first hold: what it alone held resumes, oldest first; the bulk item stays (h2).
    const released = await call(cell, admin, 'POST', `/v1/legal-holds/${h.id}/release`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body.resumed.map((r: any) => r.outcome)).toEqual([
      'trashed',
      'deleted',
      'trashed',
      'already in the trash',
      'trashed',
    ]);
    expect((await call(cell, editor, 'GET', `/v1/documents/${single}`)).body.trashedAt).not.toBeNull();
    expect((await call(cell, editor, 'GET', `/v1/documents/${trashed}`)).status).toBe(404);
    expect((await call(cell, editor, 'GET', `/v1/documents/${bulkHeld}`)).body.trashedAt).toBeNull();
    expect((await call(cell, admin, 'POST', `/v1/legal-holds/${h.id}/release`)).status).toBe(409);
    const rel2 = await call(cell, admin, 'POST', `/v1/legal-holds/${h2.id}/release`);
    expect(rel2.body.resumed.map((r: any) => r.outcome)).toEqual(['trashed']);

    // History, JSON and CSV.
    const hist = await call(cell, admin, 'GET', `/v1/legal-holds/${h.id}/history`);
    expect(hist.body.events.map((e: any) => e.event)).toEqual([
      'placed',
      'blocked',
      'blocked',
      'blocked',
      'blocked',
      'blocked',
      'released',
    ]);
    const csv = await cell.app.request(`/v1/legal-holds/${h.id}/history?format=csv`, {
      headers: admin.headers,
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('hold_id,hold_name,event_id,event,actor_id,occurred_at,details');
    expect(lines).toHaveLength(8);
  });

  it('a custodian under hold is not erased: the erasure waits, and runs on release', async () => {
    worker = startCollabWorker(cell.deps, {
      redisUrl: process.env.QUIRE_REDIS_URL!,
      queuePrefix: prefix,
      mailer: createMailer({ url: undefined, from: 'x <x@x.test>' }),
      concurrency: 2,
      emailSweepMs: 600_000,
      handlers: {
        'erasure-run': (d) => runErasure(cell.deps, { tenantId: d.tenantId!, erasureId: d.erasureId! }),
      },
    });
    const custodian = await buildUser(cell, admin, 'editor');
    const theirs = await doc(custodian, 'custodian notes');
    const h = await hold({ name: 'Custodian hold', custodianIds: [custodian.userId] });
    // Their documents are held too.
    expectHeld(await call(cell, custodian, 'DELETE', `/v1/documents/${theirs}`), h.id);
    const req = await call(cell, admin, 'POST', '/v1/erasure-requests', { userId: custodian.userId });
    expect(req.status).toBe(202);
    expect(req.body.status).toBe('held');
    const notes = await call(cell, admin, 'GET', '/v1/notifications');
    expect(notes.body.items.some((n: any) => n.kind === 'hold_blocked' && n.data.kind === 'erasure')).toBe(
      true,
    );
    expect((await call(cell, admin, 'GET', `/v1/erasure-requests/${req.body.id}`)).body.status).toBe('held');

    const released = await call(cell, admin, 'POST', `/v1/legal-holds/${h.id}/release`);
    expect(released.body.resumed.map((r: any) => r.outcome)).toEqual(['trashed', 'erasure pending']);
    const done = await eventually(
      async () => {
        const r = await call(cell, admin, 'GET', `/v1/erasure-requests/${req.body.id}`);
        return ['completed', 'failed'].includes(r.body.status) && r.body;
      },
      'erasure after release',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(done.status, JSON.stringify(done)).toBe('completed');
  });

  it('a hold placed on a custodian after the erasure was asked for stops the run before it erases anything', async () => {
    await worker?.stop();
    worker = undefined;
    const person = await buildUser(cell, admin, 'viewer');
    const req = await call(cell, admin, 'POST', '/v1/erasure-requests', { userId: person.userId });
    expect(req.body.status).toBe('pending');
    const h = await hold({ name: 'Late hold', custodianIds: [person.userId] });
    expect(await runErasure(cell.deps, { tenantId, erasureId: req.body.id })).toEqual({ status: 'held' });
    expect((await call(cell, admin, 'GET', `/v1/erasure-requests/${req.body.id}`)).body.status).toBe('held');
    // Untouched: they can still be found and still sign in with their session.
    expect((await call(cell, person, 'GET', '/v1/me')).status).toBe(200);
    const queued = await call(cell, admin, 'GET', '/v1/legal-holds/queue?status=queued');
    expect(queued.body.items.map((q: any) => q.targetId)).toContain(req.body.id);
    const released = await call(cell, admin, 'POST', `/v1/legal-holds/${h.id}/release`);
    expect(released.body.resumed.map((r: any) => r.outcome)).toEqual(['erasure pending']);
    expect((await runErasure(cell.deps, { tenantId, erasureId: req.body.id })).status).toBe('completed');
  });
});
