import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@quire/shared/ids';
import { silentLogger } from '@quire/shared/log';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.ts';
import {
  buildTenant,
  buildUser,
  call,
  login,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { AuditSealer } from '../../src/modules/audit/sealer.ts';
import { runBulkJob } from '../../src/modules/bulk/run.ts';
import { startCollabWorker } from '../../src/modules/collab-jobs/worker.ts';
import { runErasure } from '../../src/modules/erasure/run.ts';
import { createMailer } from '../../src/modules/notifications/email/mailer.ts';
import { member, PresenceStore } from '../../src/modules/presence/store.ts';
import { SearchDrainer } from '../../src/modules/search/drain.ts';

/**
 * Erasure (issue 14): after a rich workload by one person (uploads, comments, mentions, searches,
 * logins, an API token, an export, presence, a mail queued for them), the worker erases them and
 * proves it; a scan of every store of the cell (every Postgres table, the audit trail's personal
 * fields, Redis keys and values, the blob folder, the search index) then finds none of their
 * identifiers; the audit chain still verifies; their documents open for the admin; their
 * comments are by "Deleted user".
 */
let cell: TestCell;
let worker: ReturnType<typeof startCollabWorker>;
let sealer: AuditSealer;
let su: postgres.Sql;
let admin: TestUser;
let tenantId: string;
let other: { tenantId: string; admin: TestUser };
const prefix = `quire-test-erasure-${process.pid}`;

const tag = newId('user').slice(-8);
const subject = {
  name: `Zebulon Quimby ${tag}`,
  email: `zebulon.quimby.${tag}@erasure.test`,
  password: 'a long enough password',
};

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX: prefix });
  worker = startCollabWorker(cell.deps, {
    redisUrl: process.env.QUIRE_REDIS_URL!,
    queuePrefix: prefix,
    mailer: createMailer({ url: undefined, from: 'x <x@x.test>' }),
    concurrency: 2,
    emailSweepMs: 600_000,
    handlers: {
      'bulk-run': (d) => runBulkJob(cell.deps, { tenantId: d.tenantId!, jobId: d.jobId! }),
      'erasure-run': (d) => runErasure(cell.deps, { tenantId: d.tenantId!, erasureId: d.erasureId! }),
    },
  });
  sealer = new AuditSealer(cell.deps.db.$client, silentLogger);
  su = superuserSql();
  ({ admin, tenantId } = await buildTenant(cell).then((t) => ({ admin: t.admin, tenantId: t.tenantId })));
  other = await buildTenant(cell);
});

afterAll(async () => {
  await worker?.stop();
  await su?.end();
  await cell?.close();
});

const drain = () => new SearchDrainer(cell.deps, { tenantIds: [tenantId] }).drainUntilIdle();

async function sealAll(user: TestUser) {
  return eventually(async () => {
    await sealer.sealNow();
    const v = await call(cell, user, 'GET', '/v1/audit/verify');
    return v.body.unsealed === 0 && v.body;
  }, 'every entry sealed');
}

/** Every place in the cell's stores that still holds one of the needles. */
async function scanStores(needles: string[]): Promise<string[]> {
  const lower = needles.map((n) => n.toLowerCase());
  const hits: string[] = [];
  // Postgres: every table, every row as text; the audit trail by its personal fields (the
  // columns the chain hashes in the clear hold ids only, see the erasure README).
  const tables = await su<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
  for (const { table_name: t } of tables) {
    const expr =
      t === 'audit_log'
        ? su`(coalesce(x.actor_id, '') || ' ' || coalesce(host(x.ip), '') || ' ' || coalesce(x.user_agent, '') || ' ' || x.details::text)`
        : su`x::text`;
    const [row] = await su<{ n: number }[]>`
      select count(*)::int as n from ${su(t)} x
      where exists (select 1 from unnest(${lower}::text[]) n where strpos(lower(${expr}), n) > 0)`;
    if (row!.n > 0) hits.push(`postgres ${t}: ${row!.n}`);
  }
  const [keys] = await su<{ n: number }[]>`
    select count(*)::int as n from audit_subject_keys where tenant_id = ${tenantId} and subject = ${needles[0]!}`;
  if (keys!.n > 0) hits.push('postgres audit_subject_keys: the subject key');
  // Redis: every key of the cell, names and values.
  let cursor = '0';
  do {
    const [next, batch] = await cell.deps.redis.scan(cursor, 'MATCH', 'quire*', 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const type = await cell.deps.redis.type(key);
      let text = key;
      if (type === 'string') text += ` ${await cell.deps.redis.get(key)}`;
      if (type === 'hash') text += ` ${JSON.stringify(await cell.deps.redis.hgetall(key))}`;
      if (type === 'set') text += ` ${(await cell.deps.redis.smembers(key)).join(' ')}`;
      if (type === 'zset') text += ` ${(await cell.deps.redis.zrange(key, '0', '-1')).join(' ')}`;
      if (type === 'list') text += ` ${(await cell.deps.redis.lrange(key, 0, -1)).join(' ')}`;
      if (lower.some((n) => text.toLowerCase().includes(n))) hits.push(`redis ${key}`);
    }
  } while (cursor !== '0');
  // The blob folder: file names and bytes.
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  for (const file of walk(join(cell.dir, 'blobs'))) {
    const text = `${file} ${readFileSync(file).toString('latin1')}`.toLowerCase();
    if (lower.some((n) => text.includes(n))) hits.push(`blob ${file}`);
  }
  // The search index, through the engine.
  const q = (filters: Record<string, unknown>, phrase?: string) => ({
    text: { terms: [], phrases: phrase ? [phrase.toLowerCase()] : [], prefixes: [], excludes: [] },
    filters,
    access: { all: true as const },
    facets: [],
    sort: 'date' as const,
    limit: 10,
    timeoutMs: 10_000,
  });
  const byAuthor = await cell.deps.searchIndex.search(tenantId, q({ authorId: needles[0] }));
  if (byAuthor.total > 0) hits.push(`search authorId: ${byAuthor.total}`);
  return hits;
}

describe('erasure with proof', () => {
  it('erases a person from every store after a rich workload, and proves it', async () => {
    const created = await call(cell, admin, 'POST', '/v1/users', {
      email: subject.email,
      name: subject.name,
      role: 'editor',
      password: subject.password,
    });
    expect(created.status).toBe(201);
    // Logins (several sessions), an API token.
    const person = await login(cell, tenantId, subject.email, subject.password);
    await login(cell, tenantId, subject.email, subject.password);
    const bad = await call(cell, null, 'POST', '/v1/auth/login', {
      tenantId,
      email: subject.email,
      password: 'wrong password!',
    });
    expect(bad.status).toBe(401);
    const tok = await call(cell, person, 'POST', '/v1/me/api-tokens', {
      name: `${subject.name}'s script`,
      scopes: ['documents:read'],
      expiresInDays: 30,
    });
    expect(tok.status, JSON.stringify(tok.body)).toBe(201);
    // Mail for mentions: a job in Redis names them.
    await call(cell, person, 'PUT', '/v1/notifications/preferences', {
      items: [{ kind: 'mention', inApp: true, email: 'instant' }],
    });
    // Uploads, a comment on the admin's document, mentions both ways, searches.
    const own = (
      await uploadDoc(cell, person, 'quarterly plan for the northern depot', { filename: 'plan.txt' })
    ).body.document.id as string;
    const own2 = (await uploadDoc(cell, person, 'minutes of the depot meeting', { filename: 'minutes.txt' }))
      .body.document.id as string;
    const adminDoc = (
      await uploadDoc(cell, admin, 'the admin policy on the depot', { filename: 'policy.txt' })
    ).body.document.id as string;
    const g = await call(cell, admin, 'POST', '/v1/grants', {
      resourceType: 'document',
      resourceId: adminDoc,
      principalType: 'user',
      principalId: person.userId,
      role: 'editor',
    });
    expect(g.status).toBe(201);
    const theirComment = await call(cell, person, 'POST', `/v1/documents/${adminDoc}/comments`, {
      body: `I reviewed this, see my plan. @[${admin.userId}]`,
    });
    expect(theirComment.status, JSON.stringify(theirComment.body)).toBe(201);
    const mention = await call(cell, admin, 'POST', `/v1/documents/${adminDoc}/comments`, {
      body: `Thanks @[${person.userId}], and write to ${subject.email} for the rest.`,
    });
    expect(mention.status, JSON.stringify(mention.body)).toBe(201);
    await call(cell, person, 'POST', '/v1/search', { q: 'depot' });
    await call(cell, admin, 'POST', '/v1/search', { q: `"${subject.email}"` });
    await call(cell, person, 'POST', '/v1/mentions/suggest', { q: 'adm' });
    // An export they made (a blob they alone own).
    const exp = await call(cell, person, 'POST', '/v1/bulk-jobs', {
      kind: 'export',
      items: [{ type: 'document', id: own }],
    });
    expect(exp.status, JSON.stringify(exp.body)).toBe(202);
    await eventually(async () => {
      const j = await call(cell, person, 'GET', `/v1/bulk-jobs/${exp.body.id}`);
      return j.body.status === 'done';
    }, 'export done');
    // A consent answer (immutable history: pseudonymised by the erasure, never deleted).
    const purpose = await call(cell, admin, 'POST', '/v1/consent/purposes', {
      key: 'news',
      name: 'News',
      textVersion: '1',
    });
    expect(
      (
        await call(cell, person, 'POST', '/v1/me/consents', {
          purposeId: purpose.body.id,
          decision: 'granted',
          textVersion: '1',
        })
      ).status,
    ).toBe(201);
    // Presence on a document: a Redis member with their id and name.
    const presence = new PresenceStore(cell.deps.redis, 60);
    await presence.join(tenantId, adminDoc, member('conn-1', person.userId, subject.name, Date.now()));
    await drain();
    const before = await scanStores([person.userId, subject.email, subject.name]);
    expect(before.length).toBeGreaterThan(5);
    await sealAll(admin);

    // The request: admins only, audited, 30 days by default.
    const refused = await call(cell, person, 'POST', '/v1/erasure-requests', { userId: person.userId });
    expect(refused.status).toBe(403);
    const req = await call(cell, admin, 'POST', '/v1/erasure-requests', { userId: person.userId });
    expect(req.status, JSON.stringify(req.body)).toBe(202);
    expect(req.body.status).toBe('pending');
    const days = (Date.parse(req.body.deadline) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    const again = await call(cell, admin, 'POST', '/v1/erasure-requests', { userId: person.userId });
    expect(again.status).toBe(409);

    const done = await eventually(
      async () => {
        const r = await call(cell, admin, 'GET', `/v1/erasure-requests/${req.body.id}`);
        return ['completed', 'failed'].includes(r.body.status) && r.body;
      },
      'erasure finished',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(done.userId).toBeNull();
    expect(done.proof.stores.map((s: any) => s.store)).toEqual(['redis', 'search', 'blobs', 'postgres']);
    for (const s of done.proof.stores) {
      expect(s.count).toBe(0);
      expect(typeof s.query).toBe('string');
      expect(Date.parse(s.at)).toBeGreaterThan(0);
    }

    // Re-index what the erasure queued, then scan every store.
    await drain();
    const after = await scanStores([person.userId, subject.email, subject.name]);
    expect(after).toEqual([]);

    // The chain still verifies; their entries are now unverifiable personal digests.
    const verdict = await sealAll(admin);
    expect(verdict.ok, JSON.stringify(verdict)).toBe(true);
    expect(verdict.personalUnverifiable).toBeGreaterThan(0);

    // Their documents open for the admin, who now owns them; their comment is by "Deleted user".
    for (const id of [own, own2]) {
      const d = await call(cell, admin, 'GET', `/v1/documents/${id}`);
      expect(d.status).toBe(200);
      const content = await cell.app.request(`/v1/documents/${id}/content`, { headers: admin.headers });
      expect(content.status).toBe(200);
    }
    const comments = await call(cell, admin, 'GET', `/v1/documents/${adminDoc}/comments`);
    const kept = comments.body.items.find((c: any) => c.id === theirComment.body.id);
    expect(kept.authorName).toBe('Deleted user');
    expect(kept.body).toContain('I reviewed this');
    const mentioned = comments.body.items.find((c: any) => c.id === mention.body.id);
    expect(mentioned.mentions).toEqual([{ type: 'user', id: kept.authorId, name: 'Deleted user' }]);
    // The "Deleted user" account is not a person: the admin's user list (and SCIM) leave it out.
    const listed = await call(cell, admin, 'GET', '/v1/users');
    expect(listed.body.items.map((u: any) => u.id)).not.toContain(kept.authorId);
    expect(listed.body.items.map((u: any) => u.name)).not.toContain('Deleted user');
    // Their consent answer stays as evidence, by nobody.
    const consents = await call(cell, admin, 'GET', '/v1/consent/export');
    expect(consents.body.events).toMatchObject([
      { userId: 'erased', decision: 'granted', ip: null, userAgent: null },
    ]);
    // Their sessions are gone: the old token no longer works.
    expect((await call(cell, person, 'GET', '/v1/me')).status).toBe(401);
    // Searching the admin's documents by the words of theirs still finds them.
    const found = await call(cell, admin, 'POST', '/v1/search', { q: 'depot' });
    expect(found.body.items.map((i: any) => i.id)).toEqual(expect.arrayContaining([own, own2, adminDoc]));
    // The request and its outcome are in the audit trail.
    const trail = await call(cell, admin, 'GET', `/v1/audit?resourceId=${req.body.id}`);
    expect(trail.body.items.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['erasure.requested', 'erasure.started', 'erasure.completed']),
    );
  });

  it('is for admins only, and isolated per tenant', async () => {
    const editor = await buildUser(cell, admin, 'editor');
    expect((await call(cell, editor, 'GET', '/v1/erasure-requests')).status).toBe(403);
    const mine = await call(cell, admin, 'POST', '/v1/erasure-requests', {
      userId: editor.userId,
      deadline: '2099-01-01T00:00:00Z',
    });
    expect(mine.status).toBe(202);
    // Tenant B sees none of A's requests and cannot erase A's people.
    expect((await call(cell, other.admin, 'GET', `/v1/erasure-requests/${mine.body.id}`)).status).toBe(404);
    const list = await call(cell, other.admin, 'GET', '/v1/erasure-requests');
    expect(list.body.items.map((i: any) => i.id)).not.toContain(mine.body.id);
    expect(
      (await call(cell, other.admin, 'POST', '/v1/erasure-requests', { userId: editor.userId })).status,
    ).toBe(404);
    await eventually(
      async () => {
        const r = await call(cell, admin, 'GET', `/v1/erasure-requests/${mine.body.id}`);
        return r.body.status === 'completed';
      },
      'second erasure',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });
});
