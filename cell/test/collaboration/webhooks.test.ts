import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
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
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { startCollabWorker } from '../../src/modules/collab-jobs/worker.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';
import { deliverWebhook, signature } from '../../src/modules/webhooks/deliver.ts';
import { assertDeliverable } from '../../src/modules/webhooks/target.ts';

/** Tenant webhooks: signed payloads, retries with backoff, a delivery log; admins only, one tenant each. */
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker>;
let receiver: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let failuresLeft = 2;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
const prefix = `quire-test-hooks-${process.pid}`;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = failuresLeft-- > 0 ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/quire`;
  cell = await startTestCell(
    'us-1',
    { blobs: 'fs', keyring: 'local' },
    { QUEUE_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_SECONDS: '0.2' },
  );
  worker = startCollabWorker(cell.deps, {
    redisUrl: process.env.QUIRE_REDIS_URL!,
    queuePrefix: prefix,
    mailer: createMailer({ url: undefined, from: 'x <x@x.test>' }),
    concurrency: 2,
    emailSweepMs: 600_000,
    handlers: {
      'webhook-deliver': (d) =>
        deliverWebhook(cell.deps, { tenantId: d.tenantId!, deliveryId: d.deliveryId! }),
    },
  });
  a = await buildTenant(cell);
  b = await buildTenant(cell);
});

afterAll(async () => {
  await worker?.stop();
  await cell?.close();
  receiver?.close();
});

describe('webhooks', () => {
  it('delivers signed payloads (ids, no content), retrying with backoff, with a delivery log', async () => {
    const hook = await call(cell, a.admin, 'POST', '/v1/webhooks', {
      url: receiverUrl,
      events: ['comment.created'],
    });
    expect(hook.status).toBe(201);
    const secret = hook.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const stored = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute<{ row: string }>(sql`select w::text as row from webhooks w where id = ${hook.body.id}`),
    );
    expect(stored[0]!.row).not.toContain(secret.slice(6));

    const doc = (await uploadDoc(cell, a.admin, 'hooked')).body.document.id;
    const comment = await call(cell, a.admin, 'POST', `/v1/documents/${doc}/comments`, {
      body: 'private words',
    });
    // Another tenant's events never reach this tenant's webhook.
    const docB = (await uploadDoc(cell, b.admin, 'other')).body.document.id;
    await call(cell, b.admin, 'POST', `/v1/documents/${docB}/comments`, { body: 'B words' });

    await eventually(async () => received.length >= 3, 'delivered after two failures', { timeoutMs: 15_000 });
    const last = received[2]!;
    const ts = last.headers['x-quire-timestamp'] as string;
    expect(last.headers['x-quire-signature']).toBe(signature(secret, ts, last.body));
    expect(last.headers['x-quire-event']).toBe('comment.created');
    const payload = JSON.parse(last.body);
    expect(payload).toMatchObject({
      event: 'comment.created',
      tenantId: a.tenantId,
      data: { documentId: doc, commentId: comment.body.id, authorId: a.admin.userId },
    });
    expect(last.body).not.toContain('private words');
    expect(received.every((r) => !r.body.includes(b.tenantId))).toBe(true);
    // The same delivery each time (retries, not duplicates).
    expect(new Set(received.slice(0, 3).map((r) => r.headers['x-quire-delivery'])).size).toBe(1);

    const log = await eventually(async () => {
      const res = await call(cell, a.admin, 'GET', `/v1/webhooks/${hook.body.id}/deliveries`);
      return res.body.items[0]?.status === 'delivered' ? res.body : false;
    }, 'delivery logged');
    expect(log.items[0]).toMatchObject({
      event: 'comment.created',
      status: 'delivered',
      attempts: 3,
      lastStatus: 204,
    });
  });

  it('admins only; another tenant sees nothing', async () => {
    const editor = await buildUser(cell, a.admin, 'editor');
    expect(
      (await call(cell, editor, 'POST', '/v1/webhooks', { url: receiverUrl, events: ['grant.created'] }))
        .status,
    ).toBe(403);
    expect((await call(cell, editor, 'GET', '/v1/webhooks')).status).toBe(403);
    const hooks = await call(cell, a.admin, 'GET', '/v1/webhooks');
    const id = hooks.body.items[0].id;
    expect((await call(cell, b.admin, 'GET', `/v1/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await call(cell, b.admin, 'DELETE', `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await call(cell, b.admin, 'GET', '/v1/webhooks')).body.items).toEqual([]);
  });

  it('a paused webhook records no deliveries; resumed, it does again; admins only', async () => {
    const hook = await call(cell, a.admin, 'POST', '/v1/webhooks', {
      url: receiverUrl,
      events: ['grant.created'],
    });
    const deliveries = async () =>
      (await call(cell, a.admin, 'GET', `/v1/webhooks/${hook.body.id}/deliveries`)).body.items.length;
    const share = async () => {
      const doc = (await uploadDoc(cell, a.admin, 'paused')).body.document.id;
      const viewer = await buildUser(cell, a.admin, 'viewer');
      await call(cell, a.admin, 'POST', '/v1/grants', {
        resourceType: 'document',
        resourceId: doc,
        principalType: 'user',
        principalId: viewer.userId,
        role: 'viewer',
      });
    };
    const paused = await call(cell, a.admin, 'PATCH', `/v1/webhooks/${hook.body.id}`, { active: false });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ active: false, events: ['grant.created'] });
    await share();
    expect(await deliveries()).toBe(0);
    expect(
      (await call(cell, a.admin, 'PATCH', `/v1/webhooks/${hook.body.id}`, { active: true })).body.active,
    ).toBe(true);
    await share();
    expect(await deliveries()).toBe(1);
    expect((await call(cell, a.admin, 'PATCH', `/v1/webhooks/${hook.body.id}`, {})).status).toBe(400);
    const editor = await buildUser(cell, a.admin, 'editor');
    expect(
      (await call(cell, editor, 'PATCH', `/v1/webhooks/${hook.body.id}`, { active: false })).status,
    ).toBe(403);
    expect(
      (await call(cell, b.admin, 'PATCH', `/v1/webhooks/${hook.body.id}`, { active: false })).status,
    ).toBe(404);
    await call(cell, a.admin, 'DELETE', `/v1/webhooks/${hook.body.id}`);
  });

  it('refuses targets inside the network unless configured for local development', async () => {
    for (const url of [
      'http://example.com/x',
      'https://127.0.0.1/x',
      'https://10.1.2.3/x',
      'https://[::1]/x',
      'https://169.254.169.254/latest',
      'https://user:pw@example.com/',
    ]) {
      await expect(assertDeliverable(url, false), url).rejects.toThrow();
    }
    await expect(assertDeliverable('https://127.0.0.1/x', false)).rejects.toMatchObject({
      details: [{ path: 'url', reason: 'private_target' }],
    });
    await expect(assertDeliverable('https://93.184.215.14/hook', false)).resolves.toBeInstanceOf(URL);
  });
});
