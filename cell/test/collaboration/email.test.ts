import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../../../infra/local/smtp-sink.ts';
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
import { sendEmailDigest } from '../../src/modules/notifications/email/digest.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';

/**
 * Notification mails through a real SMTP server (the local sink, npm smtp-server) and the
 * worker's queue: one digest for a busy thread, only for people who asked for mail, nothing
 * they can no longer read, and nothing of another tenant.
 */
let sink: SmtpSink;
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker>;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
const MARK_A = `alpha${Date.now().toString(36)}`;
const MARK_B = `bravo${Date.now().toString(36)}`;

/** A user's email, as their tenant's admin sees it. */
async function emailOf(user: TestUser): Promise<string> {
  const admin = [a, b].find((t) => t.tenantId === user.tenantId)!.admin;
  const res = await call(cell, admin, 'GET', '/v1/users');
  return res.body.items.find((u: { id: string }) => u.id === user.userId).email as string;
}

const mailsTo = (email: string) => sink.messages.filter((m) => m.to.includes(email));

beforeAll(async () => {
  sink = await startSmtpSink();
  cell = await startTestCell(
    'us-1',
    { blobs: 'fs', keyring: 'local' },
    { EMAIL_BATCH_SECONDS: '1', EMAIL_DIGEST_SECONDS: '60', QUEUE_PREFIX: `quire-test-mail-${process.pid}` },
  );
  worker = startCollabWorker(cell.deps, {
    redisUrl: process.env.QUIRE_REDIS_URL!,
    queuePrefix: `quire-test-mail-${process.pid}`,
    mailer: createMailer({ url: sink.url, from: 'Quire <no-reply@quire.test>' }),
    concurrency: 2,
    emailSweepMs: 60_000,
  });
  a = await buildTenant(cell);
  b = await buildTenant(cell);
});

afterAll(async () => {
  await worker?.stop();
  await cell?.close();
  await sink?.close();
});

async function mentionSetup(
  t: { tenantId: string; admin: TestUser },
  mark: string,
  email: 'instant' | 'off',
) {
  const person = await buildUser(cell, t.admin, 'editor');
  const doc = (await uploadDoc(cell, t.admin, `${mark} body`, { title: `${mark} Contract` })).body.document
    .id;
  await call(cell, t.admin, 'POST', '/v1/grants', {
    resourceType: 'document',
    resourceId: doc,
    principalType: 'user',
    principalId: person.userId,
    role: 'editor',
  });
  if (email !== 'off') {
    const prefs = await call(cell, person, 'PUT', '/v1/notifications/preferences', {
      items: [
        { kind: 'mention', inApp: true, email },
        { kind: 'reply', inApp: true, email },
        { kind: 'share', inApp: true, email: 'off' },
      ],
    });
    expect(prefs.status).toBe(200);
  }
  return { person, doc };
}

describe('notification mail', () => {
  it('a busy thread sends one digest, not one mail per comment; each tenant gets only its own data', async () => {
    const x = await mentionSetup(a, MARK_A, 'instant');
    const y = await mentionSetup(b, MARK_B, 'instant');
    for (let i = 1; i <= 5; i++) {
      const res = await call(cell, a.admin, 'POST', `/v1/documents/${x.doc}/comments`, {
        body: `@[${x.person.userId}] ${MARK_A} point ${i}`,
      });
      expect(res.status).toBe(201);
    }
    await call(cell, b.admin, 'POST', `/v1/documents/${y.doc}/comments`, {
      body: `@[${y.person.userId}] ${MARK_B} only one`,
    });
    const xEmail = await emailOf(x.person);
    const yEmail = await emailOf(y.person);
    await eventually(
      async () => mailsTo(xEmail).length > 0 && mailsTo(yEmail).length > 0,
      'both mails delivered',
      {
        timeoutMs: 20_000,
      },
    );
    await new Promise((r) => setTimeout(r, 2_500)); // past another batch window: nothing more arrives
    const [xm, ...moreX] = mailsTo(xEmail);
    expect(moreX).toHaveLength(0);
    expect(xm!.subject).toBe('5 new notifications in Quire');
    for (let i = 1; i <= 5; i++) expect(xm!.text).toContain(`${MARK_A} point ${i}`);
    expect(xm!.text).toContain(`${MARK_A} Contract`);
    const [ym, ...moreY] = mailsTo(yEmail);
    expect(moreY).toHaveLength(0);
    expect(ym!.subject).toBe(`Admin mentioned you on “${MARK_B} Contract”`);
    // No other tenant's data in either mail, headers included.
    expect(xm!.raw).not.toContain(MARK_B);
    expect(xm!.raw).not.toContain(yEmail);
    expect(ym!.raw).not.toContain(MARK_A);
    expect(ym!.raw).not.toContain(xEmail);
    const rows = await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute<{ email_state: string }>(
        sql`select email_state from notifications where user_id = ${x.person.userId} and kind = 'mention'`,
      ),
    );
    expect(rows.map((r) => r.email_state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
  });

  it('no mail for someone who did not ask for it (in-app only)', async () => {
    const w = await mentionSetup(a, `${MARK_A}w`, 'off');
    await call(cell, a.admin, 'POST', `/v1/documents/${w.doc}/comments`, {
      body: `@[${w.person.userId}] hi`,
    });
    const inApp = await call(cell, w.person, 'GET', '/v1/notifications');
    expect(inApp.body.items[0].kind).toBe('mention');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(mailsTo(await emailOf(w.person))).toHaveLength(0);
  });

  it('a notification about something the person can no longer read is left out of the mail', async () => {
    const z = await buildUser(cell, a.admin, 'editor');
    const doc = (await uploadDoc(cell, a.admin, 'secret', { title: `${MARK_A} Withdrawn` })).body.document.id;
    const g = await call(cell, a.admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: doc,
      principalType: 'user',
      principalId: z.userId,
      role: 'viewer',
    });
    await call(cell, z, 'PUT', '/v1/notifications/preferences', {
      items: [{ kind: 'mention', inApp: true, email: 'digest' }],
    });
    await call(cell, a.admin, 'POST', `/v1/documents/${doc}/comments`, {
      body: `@[${z.userId}] ${MARK_A} withdrawn soon`,
    });
    await call(cell, a.admin, 'DELETE', `/v1/grants/${g.body.id}`);
    await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`update notifications set email_due_at = now() where user_id = ${z.userId}`),
    );
    const mailer = createMailer({ url: sink.url, from: 'Quire <no-reply@quire.test>' });
    const result = await sendEmailDigest(cell.deps, mailer, { tenantId: a.tenantId, userId: z.userId });
    mailer.close();
    expect(result.sent).toBe(0);
    expect(result.skipped).toBeGreaterThanOrEqual(1);
    expect(mailsTo(await emailOf(z)).every((m) => !m.raw.includes('Withdrawn'))).toBe(true);
  });
});

describe('notification preferences', () => {
  it('a kind given twice in one request is its last value (no 500), and only the caller’s own change', async () => {
    const res = await call(cell, a.admin, 'PUT', '/v1/notifications/preferences', {
      items: [
        { kind: 'reply', inApp: true, email: 'instant' },
        { kind: 'reply', inApp: false, email: 'off' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const reply = res.body.items.find((p: { kind: string }) => p.kind === 'reply');
    expect(reply).toMatchObject({ inApp: false, email: 'off' });
    const other = await call(cell, b.admin, 'GET', '/v1/notifications/preferences');
    expect(other.body.items.find((p: { kind: string }) => p.kind === 'reply')).toMatchObject({ inApp: true });
  });
});
