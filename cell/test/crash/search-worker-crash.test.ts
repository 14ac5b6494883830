import type { ChildProcess } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, call, type TestCell, uploadDoc } from '../../../test/support/harness.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { checkTenant } from '../../src/modules/search/checker.ts';
import { type IsolatedCell, isolatedCell } from './support.ts';

/**
 * kill -9 the search worker (`node cell/src/worker.ts`, a real process) in the middle of a big
 * batch, change documents while it is down, restart it: the index ends up exactly equal to
 * Postgres. The run gets a database of its own, so the worker drains nothing of other files.
 */
let world: IsolatedCell;
let cell: TestCell;
let child: ChildProcess | undefined;

beforeAll(async () => {
  world = await isolatedCell('swcrash');
  cell = world.cell;
}, 60_000);

afterAll(async () => world?.close());

const startWorker = () => world.startWorker({ SEARCH_SWEEP_SECONDS: '1', SEARCH_WORKER_CONCURRENCY: '2' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('search worker crash', () => {
  it('kill -9 mid-batch, changes while down, restart: the index matches Postgres exactly', async () => {
    const { tenantId, admin } = await buildTenant(cell);
    const count = async (what: 'outbox' | 'index') =>
      (
        await withTenantTx(cell.deps.db, tenantId, (tx) =>
          tx.execute<{ n: number }>(
            what === 'outbox'
              ? sql`select count(*)::int as n from search_outbox where tenant_id = ${tenantId}`
              : sql`select count(*)::int as n from search_documents where tenant_id = ${tenantId}`,
          ),
        )
      )[0]!.n;

    const N = 400;
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const words = Array.from({ length: 200 }, (_, j) => `word${(i * 31 + j * 7) % 997}`).join(' ');
      const res = await uploadDoc(cell, admin, `crash corpus ${i} ${words}`, { filename: `doc-${i}.txt` });
      expect(res.status).toBe(201);
      ids.push(res.body.document.id);
    }
    expect(await count('outbox')).toBe(N);

    child = startWorker();
    let indexed = 0;
    while (indexed < 40) {
      await sleep(10);
      indexed = await count('index');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const atKill = await count('index');
    expect(atKill).toBeLessThan(N); // it really died in the middle
    expect(await count('outbox')).toBeGreaterThan(0);

    // While the worker is down: rename some, trash some, delete one for good.
    for (const id of ids.slice(0, 10))
      expect(
        (await call(cell, admin, 'PATCH', `/v1/documents/${id}`, { title: `renamed while down ${id}` }))
          .status,
      ).toBe(200);
    for (const id of ids.slice(10, 15))
      expect((await call(cell, admin, 'DELETE', `/v1/documents/${id}`)).status).toBe(200);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${ids[15]}/permanent`)).status).toBe(409);
    await call(cell, admin, 'DELETE', `/v1/documents/${ids[15]}`);
    expect((await call(cell, admin, 'DELETE', `/v1/documents/${ids[15]}/permanent`)).status).toBe(204);

    child = startWorker();
    while ((await count('outbox')) > 0) await sleep(100);
    child.kill('SIGKILL');

    const report = await checkTenant(cell.deps, tenantId, { repair: false });
    expect(report).toMatchObject({ expected: N - 6, indexed: N - 6, missing: 0, stale: 0, extra: 0 });
    const rows = await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute<{ ok: boolean }>(sql`
        select bool_and(s.version_id = d.current_version_id and s.title = d.title and s.updated_at = date_trunc('milliseconds', d.updated_at)) as ok
        from documents d join search_documents s on s.tenant_id = d.tenant_id and s.document_id = d.id
        where d.tenant_id = ${tenantId} and d.trashed_at is null`),
    );
    expect(rows[0]!.ok).toBe(true);
    // Every searchable document's text was extracted exactly once and is recorded as done.
    const statuses = await withTenantTx(cell.deps.db, tenantId, (tx) =>
      tx.execute<{ text_status: string | null; n: number }>(sql`
        select v.text_status, count(*)::int as n from documents d
        left join version_derivatives v on v.tenant_id = d.tenant_id and v.version_id = d.current_version_id
        where d.tenant_id = ${tenantId} and d.trashed_at is null group by 1`),
    );
    expect(statuses).toEqual([{ text_status: 'done', n: N - 6 }]);
    const found = await call(cell, admin, 'POST', '/v1/search', { q: 'renamed while down', limit: 50 });
    expect(found.body.total).toBe(10);
  }, 180_000);
});
