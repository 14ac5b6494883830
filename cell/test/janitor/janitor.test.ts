import { newId } from '@quire/shared/ids';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTenant, call, startTestCell, type TestCell, uploadDoc } from '../../../test/support/harness.ts';
import { superuserSql } from '../../../test/support/superuser.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { storeContent } from '../../src/modules/documents/content.ts';
import { Janitor } from '../../src/modules/janitor/janitor.ts';

let cell: TestCell;
beforeAll(async () => {
  cell = await startTestCell();
});
afterAll(async () => cell.close());

/** What an upload killed between its blob write and its commit leaves: a blob no row refers to. */
async function orphanBlob(tenantId: string): Promise<string> {
  const stored = await storeContent(cell.deps, {
    tenantId,
    documentId: newId('document'),
    versionId: newId('version'),
    body: new Blob(['written, never committed']).stream(),
    maxBytes: 1024,
  });
  return stored.blobKey;
}

describe('janitor', () => {
  it('removes blobs no row refers to once past the grace period, and only those', async () => {
    const a = await buildTenant(cell);
    const b = await buildTenant(cell);
    const kept = (await uploadDoc(cell, a.admin, 'a document')).body;
    const restored = await call(
      cell,
      a.admin,
      'POST',
      `/v1/documents/${kept.document.id}/versions/${kept.version.id}/restore`,
    );
    expect(restored.status).toBe(201); // a version sharing the first one's blob
    const keptB = (await uploadDoc(cell, b.admin, 'b document')).body;
    const orphanA = await orphanBlob(a.tenantId);
    const orphanB = await orphanBlob(b.tenantId);

    // Young orphans are left alone: an upload may still be on its way to its commit.
    const patient = await new Janitor(cell.deps, { graceMs: 3_600_000 }).runOnce();
    expect(patient.orphanBlobs).toBe(0);
    expect(await cell.deps.blobs.exists(orphanA)).toBe(true);

    const pass = await new Janitor(cell.deps, { graceMs: 0 }).runOnce();
    expect(pass.orphanBlobs).toBe(2); // this cell's blob folder is its own
    expect(await cell.deps.blobs.exists(orphanA)).toBe(false);
    expect(await cell.deps.blobs.exists(orphanB)).toBe(false);
    for (const [user, doc] of [
      [a.admin, kept.document.id],
      [b.admin, keptB.document.id],
    ] as const) {
      const res = await cell.app.request(`/v1/documents/${doc}/content`, { headers: user.headers });
      expect(res.status).toBe(200);
      expect((await res.text()).endsWith('document')).toBe(true);
    }
    const old = await cell.app.request(
      `/v1/documents/${kept.document.id}/content?versionId=${kept.version.id}`,
      {
        headers: a.admin.headers,
      },
    );
    expect(old.status).toBe(200);
  });

  it('an Idempotency-Key replays for 24 hours, then counts as new, and the janitor deletes it', async () => {
    const t = await buildTenant(cell);
    const send = () =>
      uploadDoc(cell, t.admin, 'once', { filename: 'idem.txt' }, { 'idempotency-key': 'upload-1' });
    const first = await send();
    const replay = await send();
    expect(replay.body.document.id).toBe(first.body.document.id);

    const su = superuserSql();
    try {
      await su`update idempotency_keys set created_at = now() - interval '25 hours' where tenant_id = ${t.tenantId}`;
    } finally {
      await su.end();
    }
    const later = await send();
    expect(later.status).toBe(201);
    expect(later.body.document.id).not.toBe(first.body.document.id); // expired: a new request

    const su2 = superuserSql();
    try {
      await su2`update idempotency_keys set created_at = now() - interval '25 hours' where tenant_id = ${t.tenantId}`;
    } finally {
      await su2.end();
    }
    const pass = await new Janitor(cell.deps, { graceMs: 3_600_000 }).runOnce();
    expect(pass.expiredIdempotencyKeys).toBeGreaterThanOrEqual(1);
    const rows = await withTenantTx(cell.deps.db, t.tenantId, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from idempotency_keys`),
    );
    expect(rows[0]!.n).toBe(0);
  });
});
