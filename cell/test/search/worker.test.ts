import { randomBytes } from 'node:crypto';
import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import type { SearchIndex } from '../../src/adapters/search-index/port.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { queuePrefix } from '../../src/jobs/doorbell.ts';
import { closeExtraction } from '../../src/modules/extraction/extract.ts';
import { closePreviews } from '../../src/modules/previews/render.ts';
import { checkTenant } from '../../src/modules/search/checker.ts';
import { SearchDrainer } from '../../src/modules/search/drain.ts';
import { FairScheduler } from '../../src/modules/search/fair.ts';
import { startSearchWorker } from '../../src/modules/search/worker.ts';
import { drain, hitIds, search } from './support.ts';

/** The drain worker: fairness between tenants, the doorbell, idempotent re-processing. */
const QUEUE_PREFIX = `quire-test:${randomBytes(4).toString('hex')}`;
let cell: TestCell;

beforeAll(async () => {
  cell = await startTestCell('us-1', { blobs: 'fs', keyring: 'local' }, { QUEUE_PREFIX });
});
afterAll(async () => {
  await Promise.all([closeExtraction(), closePreviews()]);
  await cell.close();
});

/** Outbox rows for documents that do not exist: each is a cheap "remove" for the worker. */
async function backlog(tenantId: string, n: number) {
  await withTenantTx(cell.deps.db, tenantId, (tx) =>
    tx.execute(sql`insert into search_outbox (tenant_id, kind, resource_id, reason)
      select ${tenantId}, 'document', 'doc_' || lpad(g::text, 25, '0'), 'test' from generate_series(1, ${n}) g`),
  );
}

async function outboxCount(tenantId: string): Promise<number> {
  const [row] = await withTenantTx(cell.deps.db, tenantId, (tx) =>
    tx.execute<{ n: number }>(
      sql`select count(*)::int as n from search_outbox where tenant_id = ${tenantId}`,
    ),
  );
  return row!.n;
}

/** A drainer that records which tenant each batch was for. */
function recordingDrainer(tenantIds: string[], options: { lanes: number; batchSize: number }) {
  const drainer = new SearchDrainer(cell.deps, { tenantIds, ...options });
  const order: string[] = [];
  const real = drainer.processBatch.bind(drainer);
  drainer.processBatch = async (t: string) => {
    const r = await real(t);
    if (r.claimed > 0) order.push(t);
    return r;
  };
  return { drainer, order };
}

describe('fair scheduling between tenants', () => {
  it('smooth weighted round-robin: picks in proportion to weight, interleaved', () => {
    const s = new FairScheduler();
    s.set('a', 3);
    s.set('b', 1);
    const picks = Array.from({ length: 8 }, () => s.next());
    expect(picks.filter((p) => p === 'a')).toHaveLength(6);
    expect(picks.filter((p) => p === 'b')).toHaveLength(2);
    expect(picks.slice(0, 4)).toContain('b'); // never a run of more than the weight ratio
    s.remove('a');
    expect(s.next()).toBe('b');
    s.remove('b');
    expect(s.next()).toBeUndefined();
  });

  it('prefers a tenant no other lane is working on', () => {
    const s = new FairScheduler();
    s.set('a', 10);
    s.set('b', 1);
    expect(s.next(new Set(['a']))).toBe('b');
    expect(s.next(new Set(['a', 'b']))).toBeDefined();
  });

  it('a tenant with a few rows is served in the first round, however deep another backlog is', async () => {
    const { tenantId: big } = await buildTenant(cell);
    const { tenantId: small } = await buildTenant(cell);
    await backlog(big, 500);
    await backlog(small, 5);
    const { drainer, order } = recordingDrainer([big, small], { lanes: 1, batchSize: 25 });
    await drainer.drainUntilIdle();
    expect(order.indexOf(small)).toBeLessThan(2);
    expect(order.filter((t) => t === big)).toHaveLength(20);
    expect(await outboxCount(big)).toBe(0);
    expect(await outboxCount(small)).toBe(0);
  });

  it('backlogged tenants get batches in proportion to their plan’s job weight', async () => {
    const { tenantId: pro } = await buildTenant(cell, 'professional'); // jobWeight 3
    const { tenantId: std } = await buildTenant(cell, 'standard'); // jobWeight 1
    await backlog(pro, 400);
    await backlog(std, 400);
    const { drainer, order } = recordingDrainer([pro, std], { lanes: 1, batchSize: 10 });
    await drainer.drainUntilIdle();
    const first = order.slice(0, 40);
    expect(first.filter((t) => t === pro)).toHaveLength(30);
    expect(first.filter((t) => t === std)).toHaveLength(10);
  });
});

describe('the outbox drain', () => {
  let tenantId: string;
  let admin: TestUser;
  beforeAll(async () => {
    ({ tenantId, admin } = await buildTenant(cell));
  });

  it('clears the tenant’s pending flag only when its outbox is empty, and a new change sets it again', async () => {
    const pending = async () =>
      (
        await cell.deps.db.execute<{ pending: boolean }>(
          sql`select pending from search_outbox_tenants where tenant_id = ${tenantId}`,
        )
      )[0]?.pending;
    await uploadDoc(cell, admin, 'pending flag check', { filename: 'p.txt' });
    expect(await pending()).toBe(true);
    await drain(cell, [tenantId]);
    expect(await pending()).toBe(false);
    await uploadDoc(cell, admin, 'pending flag again', { filename: 'p2.txt' });
    expect(await pending()).toBe(true);
    await drain(cell, [tenantId]);
  });

  it('re-processing after "indexed but not yet deleted" converges: no duplicates, nothing lost', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        (await uploadDoc(cell, admin, `crash window sample ${i}`, { filename: `c${i}.txt` })).body.document
          .id,
      );
    // The engine writes, then the batch fails before its transaction commits (as a crash would).
    const real = cell.deps.searchIndex;
    const failing: SearchIndex = Object.create(real);
    failing.upsert = async (t, docs) => {
      await real.upsert(t, docs);
      throw new Error('simulated crash after indexing');
    };
    cell.deps.searchIndex = failing;
    try {
      const stats = await drain(cell, [tenantId]);
      expect(stats.retried).toBeGreaterThan(0);
    } finally {
      cell.deps.searchIndex = real;
    }
    expect(await outboxCount(tenantId)).toBeGreaterThan(0);
    await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute(sql`update search_outbox set available_at = now() where tenant_id = ${tenantId}`),
    );
    await drain(cell, [tenantId]);
    expect(await outboxCount(tenantId)).toBe(0);
    const res = await search(cell, admin, { q: 'crash window', limit: 50 });
    expect(hitIds(res).sort()).toEqual([...ids].sort());
    const report = await checkTenant(cell.deps, tenantId, { repair: false });
    expect(report).toMatchObject({ missing: 0, stale: 0, extra: 0 });
  });

  it('two drainers on the same tenant at once still leave the index equal to Postgres', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push(
        (await uploadDoc(cell, admin, `parallel lane text ${i}`, { filename: `l${i}.txt` })).body.document.id,
      );
    // A second outbox row for half of them: both drainers may claim rows of one document.
    for (const id of ids.slice(0, 6))
      await cell.app.request(`/v1/documents/${id}`, {
        method: 'PATCH',
        headers: { ...admin.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `renamed ${id}` }),
      });
    const a = new SearchDrainer(cell.deps, { tenantIds: [tenantId], batchSize: 3, lanes: 2 });
    const b = new SearchDrainer(cell.deps, { tenantIds: [tenantId], batchSize: 3, lanes: 2 });
    await Promise.all([a.drainUntilIdle(), b.drainUntilIdle()]);
    await drain(cell, [tenantId]); // rows one drainer skipped while the other held their document
    expect(await outboxCount(tenantId)).toBe(0);
    expect(await checkTenant(cell.deps, tenantId, { repair: false })).toMatchObject({
      missing: 0,
      stale: 0,
      extra: 0,
    });
  });

  it('a folder row expands into its documents', async () => {
    const folder = (
      await cell.app.request('/v1/folders', {
        method: 'POST',
        headers: { ...admin.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `F ${newId('folder').slice(-6)}` }),
      })
    ).json() as Promise<{ id: string }>;
    const { id } = await folder;
    for (let i = 0; i < 3; i++)
      await uploadDoc(cell, admin, `expand me ${i}`, { filename: `e${i}.txt`, folderId: id });
    await drain(cell, [tenantId]);
    await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute(
        sql`insert into search_outbox (tenant_id, kind, resource_id, reason) values (${tenantId}, 'folder', ${id}, 'test')`,
      ),
    );
    const stats = await drain(cell, [tenantId]);
    expect(stats.done).toBe(4); // the folder row, then its three documents
    expect(stats.indexed).toBe(3);
  });
});

describe('the worker process loop (BullMQ doorbell)', () => {
  it('a commit rings the doorbell and the worker indexes it without a sweep', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    // A sweep interval far beyond the test's patience: only the doorbell can wake it in time.
    const worker = startSearchWorker(cell.deps, {
      redisUrl: process.env.QUIRE_REDIS_URL!,
      queuePrefix: queuePrefix('us-1', QUEUE_PREFIX),
      sweepMs: 3_600_000,
      tenantIds: [tenantId],
    });
    try {
      await worker.drainer.drainUntilIdle(); // the start-up drain
      const id = (await uploadDoc(cell, admin, 'doorbell delivered text', { filename: 'd.txt' })).body
        .document.id;
      let found: string[] = [];
      for (let i = 0; i < 200 && found.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        found = hitIds(await search(cell, admin, { q: 'doorbell' }));
      }
      expect(found).toEqual([id]);
    } finally {
      await worker.stop();
    }
  });
});
