import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTenant,
  call,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';
import { createOpenSearchClient } from '../../src/adapters/search-index/opensearch.ts';
import {
  indexSettings,
  MAPPING_VERSION,
  MAPPINGS,
  toSource,
} from '../../src/adapters/search-index/opensearch-mapping.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { closeExtraction } from '../../src/modules/extraction/extract.ts';
import { closePreviews } from '../../src/modules/previews/render.ts';
import { checkTenant, rebuildTenant } from '../../src/modules/search/checker.ts';
import { doc } from './fixtures.ts';
import { drain, hitIds, search } from './support.ts';

/** The per-tenant consistency checker and the rebuild command. */
let cell: TestCell;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
const docsOf: Record<string, string[]> = {};

beforeAll(async () => {
  cell = await startTestCell();
  a = await buildTenant(cell);
  b = await buildTenant(cell);
  for (const t of [a, b]) {
    docsOf[t.tenantId] = [];
    for (let i = 0; i < 6; i++) {
      const res = await uploadDoc(cell, t.admin, `ledger entry number ${i}`, { filename: `l${i}.txt` });
      docsOf[t.tenantId]!.push(res.body.document.id);
    }
  }
  await drain(cell, [a.tenantId, b.tenantId]);
});
afterAll(async () => {
  await Promise.all([closeExtraction(), closePreviews()]);
  await cell.close();
});

async function damage(tenantId: string) {
  const [d0, d1, d2] = docsOf[tenantId]!;
  const index = cell.deps.searchIndex;
  await index.remove(tenantId, [d0!]); // missing
  const [stale] = await index.listIndexed(tenantId, d0!, 1);
  expect(stale!.documentId).toBe(d1);
  await index.upsert(tenantId, [doc(tenantId, { documentId: d1!, versionId: 'ver_old', body: 'ledger' })]); // stale
  await index.upsert(tenantId, [doc(tenantId, { body: 'ledger phantom' })]); // extra: never existed
  // Trashed in Postgres while the outbox row is lost: the index still has it (extra).
  await call(cell, tenantId === a.tenantId ? a.admin : b.admin, 'DELETE', `/v1/documents/${d2}`);
  await withTenantTx(cell.deps.db, tenantId, (tx) =>
    tx.execute(sql`delete from search_outbox where tenant_id = ${tenantId}`),
  );
}

/** The rebuild CLI as a process, with the test cell's environment (plus `extra`). */
const runCli = (args: string[], extra: Record<string, string> = {}) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const env = cell.env;
    const child = spawn(process.execPath, ['cell/src/modules/search/rebuild-cli.ts', ...args], {
      env: {
        ...process.env,
        CELL_ID: env.CELL_ID,
        CELL_REGION: env.CELL_REGION,
        DATABASE_URL: env.DATABASE_URL,
        REDIS_URL: env.REDIS_URL,
        BLOB_STORE: 'fs',
        BLOB_DIR: env.BLOB_DIR,
        KEYRING: 'local',
        KEYRING_DIR: env.KEYRING_DIR,
        JWT_ISSUER: env.JWT_ISSUER,
        SIGNING_KEY_FILE: env.SIGNING_KEY_FILE,
        INTERNAL_API_TOKEN: env.INTERNAL_API_TOKEN,
        LOG_LEVEL: 'error',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.on('exit', (code) => resolve({ code, out }));
  });

describe('consistency checker', () => {
  it('finds missing, stale and extra entries, repairs them through the outbox, and touches no other tenant', async () => {
    const bBefore = hitIds(await search(cell, b.admin, { q: 'ledger', limit: 50 })).sort();
    await damage(a.tenantId);
    const found = await checkTenant(cell.deps, a.tenantId, { repair: false });
    expect(found).toMatchObject({ expected: 5, missing: 1, stale: 1, extra: 2, queued: 0 });
    const repaired = await checkTenant(cell.deps, a.tenantId, { repair: true });
    expect(repaired.queued).toBe(4);
    await drain(cell, [a.tenantId]);
    expect(await checkTenant(cell.deps, a.tenantId, { repair: false })).toMatchObject({
      expected: 5,
      indexed: 5,
      missing: 0,
      stale: 0,
      extra: 0,
    });
    expect(hitIds(await search(cell, a.admin, { q: 'ledger', limit: 50 })).sort()).toEqual(
      docsOf[a.tenantId]!.filter((_, i) => i !== 2).sort(),
    );
    expect(hitIds(await search(cell, b.admin, { q: 'ledger', limit: 50 })).sort()).toEqual(bBefore);
    expect(await checkTenant(cell.deps, b.tenantId, { repair: false })).toMatchObject({
      missing: 0,
      stale: 0,
      extra: 0,
    });
  });

  it('finds an entry still filed under the ancestors its folder moved away from, and repairs it', async () => {
    const post = async (name: string) => {
      const res = await call(cell, a.admin, 'POST', '/v1/folders', { name });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const [inner, outer] = [await post('Inner'), await post('Outer')];
    const doc = docsOf[a.tenantId]![4]!;
    expect((await call(cell, a.admin, 'PATCH', `/v1/documents/${doc}`, { folderId: inner })).status).toBe(
      200,
    );
    await drain(cell, [a.tenantId]);
    expect(await checkTenant(cell.deps, a.tenantId, { repair: false })).toMatchObject({ stale: 0 });
    // The folder moves under another; the document's own row (and updatedAt) do not change,
    // and the move's outbox row is lost: the index still files the document under [inner].
    expect((await call(cell, a.admin, 'PATCH', `/v1/folders/${inner}`, { parentId: outer })).status).toBe(
      200,
    );
    await withTenantTx(cell.deps.db, a.tenantId, (tx) =>
      tx.execute(sql`delete from search_outbox where tenant_id = ${a.tenantId}`),
    );
    const entry = async () =>
      (await cell.deps.searchIndex.listIndexed(a.tenantId, null, 100)).find((e) => e.documentId === doc);
    expect((await entry())?.ancestorIds).toEqual([inner]);
    const found = await checkTenant(cell.deps, a.tenantId, { repair: true });
    expect(found).toMatchObject({ missing: 0, stale: 1, extra: 0, queued: 1 });
    await drain(cell, [a.tenantId]);
    expect((await entry())?.ancestorIds).toEqual([outer, inner]);
    expect(await checkTenant(cell.deps, a.tenantId, { repair: false })).toMatchObject({ stale: 0 });
  });

  it('rebuild re-fills one tenant from Postgres without re-extracting, and other tenants keep answering', async () => {
    const bBefore = hitIds(await search(cell, b.admin, { q: 'ledger', limit: 50 })).sort();
    const derivedAt = () =>
      withTenantTx(cell.deps.db, b.tenantId, (tx) =>
        tx.execute<{ version_id: string; updated_at: string }>(
          sql`select version_id, updated_at::text from version_derivatives where tenant_id = ${b.tenantId} order by 1`,
        ),
      );
    const extractedBefore = await derivedAt();
    await damage(b.tenantId);
    let otherAnswers = 0;
    let stop = false;
    const probe = (async () => {
      while (!stop) {
        const r = await search(cell, a.admin, { q: 'ledger', limit: 50 });
        expect(r.body.total).toBe(5);
        otherAnswers++;
      }
    })();
    const report = await rebuildTenant(cell.deps, b.tenantId, { drop: true });
    stop = true;
    await probe;
    expect(otherAnswers).toBeGreaterThan(0);
    expect(report.after).toMatchObject({ expected: 5, indexed: 5, missing: 0, stale: 0, extra: 0 });
    expect(report.drained.indexed).toBeGreaterThanOrEqual(5);
    expect(hitIds(await search(cell, b.admin, { q: 'ledger', limit: 50 })).sort()).toEqual(
      bBefore.filter((id) => id !== docsOf[b.tenantId]![2]),
    );
    // The text came back from its encrypted blob: nothing was extracted again.
    expect(await derivedAt()).toEqual(extractedBefore);
    for (const id of docsOf[b.tenantId]!.filter((_, i) => i !== 2)) {
      const d = await call(cell, b.admin, 'GET', `/v1/documents/${id}`);
      expect(d.body.currentVersion.extraction.status).toBe('done');
    }
  });

  it('the command line: --check-only reports and exits 0 when consistent, 1 when not', async () => {
    const ok = await runCli(['--tenant', a.tenantId, '--check-only']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      tenantId: a.tenantId,
      expected: 5,
      missing: 0,
      stale: 0,
      extra: 0,
    });
    await cell.deps.searchIndex.remove(a.tenantId, [docsOf[a.tenantId]![0]!]);
    const bad = await runCli(['--tenant', a.tenantId, '--check-only']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ missing: 1 });
    const rebuilt = await runCli(['--tenant', a.tenantId]);
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.out).after).toMatchObject({ missing: 0, stale: 0, extra: 0 });
    expect((await runCli(['--tenant', 'not a tenant'])).code).toBe(2);
  }, 60_000);

  it('the command line: --migrate-mappings moves an index of an older mapping version behind its alias (no-op on Postgres)', async () => {
    const postgresCell = await runCli(['--migrate-mappings']);
    expect(postgresCell.code).toBe(0);
    expect(JSON.parse(postgresCell.out)).toEqual({ engine: 'postgres', migrated: [] });

    const url = process.env.QUIRE_OPENSEARCH_URL;
    if (!url) throw new Error('QUIRE_OPENSEARCH_URL is not set: the local stack has no OpenSearch');
    const cellId = `mig-${randomBytes(4).toString('hex')}`;
    const alias = `quire-${cellId}-docs`;
    const client = createOpenSearchClient({ url });
    try {
      // The shared index as an earlier release left it: version 1 behind the alias, one document.
      await client.indices.create({
        index: `${alias}-v1`,
        body: { settings: indexSettings(0), mappings: MAPPINGS, aliases: { [alias]: {} } } as never,
      });
      const old = toSource(
        doc('ten_migrated000001', { body: 'carried over', language: 'english' }),
        new Date(),
      );
      await client.index({
        index: alias,
        id: `ten_migrated000001:${old.document_id}`,
        routing: 'ten_migrated000001',
        body: old as never,
        refresh: true,
      });
      const res = await runCli(['--migrate-mappings'], {
        CELL_ID: cellId,
        SEARCH_ENGINE: 'opensearch',
        OPENSEARCH_URL: url,
        OPENSEARCH_REPLICAS: '0',
      });
      expect(res.code).toBe(0);
      expect(JSON.parse(res.out)).toEqual({ engine: 'opensearch', migrated: [alias] });
      const behind = Object.keys((await client.indices.getAlias({ name: alias })).body as object);
      expect(behind).toHaveLength(1);
      expect(behind[0]).toMatch(new RegExp(`^${alias}-v${MAPPING_VERSION}-`));
      const count = await client.count({ index: alias });
      expect(count.body.count).toBe(1);
    } finally {
      await client.indices.delete({ index: `quire-${cellId}-*` }).catch(() => {});
      await client.close();
    }
  }, 60_000);
});
