import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyring } from '../../cell/src/adapters/keyring/local.ts';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import { eventually } from '../support/eventually.ts';
import { superuserSql } from '../support/superuser.ts';
import { startWorld, untilRouted, type World } from '../support/topology.ts';
import { unzip } from '../support/zip.ts';

/**
 * Tenant offboarding as sales ops and customers live it: the control plane starts it (the cell
 * makes the tenant read-only and its export), it can be reactivated during the grace period, and
 * once the grace has passed the sweeper deletes it: the edge answers 410, the cell has purged
 * it and destroyed its key, and its neighbour on the same cell is untouched. A cell that is down
 * when the deletion comes completes it when it returns.
 */
let world: World;
let cpSql: postgres.Sql;
let cellSql: postgres.Sql;
const tenants: Record<string, { tenantId: string; email: string; password: string }> = {};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  world = await startWorld({ name: 'offboard', redisDbs: [6, 7] });
  for (const slug of ['gone-us', 'stay-us', 'later-us'])
    tenants[slug] = await world.provision({ slug, region: 'us' });
  for (const slug of Object.keys(tenants)) await untilRouted(world, slug);
  cpSql = superuserSql(world.topology.controlPlaneDatabase.ownerUrl);
  cellSql = superuserSql(world.topology.cells.get('us-1')!.ownerUrl);
}, 120_000);

afterAll(async () => {
  await cpSql?.end();
  await cellSql?.end();
  await world?.close();
});

async function login(slug: string) {
  const t = tenants[slug]!;
  return world.login(slug, t.email, t.password);
}

async function upload(slug: string, token: string, text: string) {
  const res = await world.edge.fetch(`http://${slug}.quire.test/v1/documents`, {
    method: 'POST',
    headers: {
      ...bearer(token),
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: 'note.txt' }),
    },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Time passes: the grace period of `slug` ends now (the sweeper acts on its next tick). */
async function endGrace(slug: string) {
  await cpSql`update tenants set delete_after = now() - interval '1 second' where slug = ${slug}`;
}

async function tenantRows(tenantId: string): Promise<number> {
  const tables = await cellSql<{ table_name: string }[]>`
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
      and c.table_name <> 'tenant_tombstones'`;
  let n = 0;
  for (const { table_name } of tables) {
    const [r] = await cellSql.unsafe(`select count(*)::int as n from "${table_name}" where tenant_id = $1`, [
      tenantId,
    ]);
    n += r!.n;
  }
  const [t] = await cellSql`select count(*)::int as n from tenants where id = ${tenantId}`;
  return n + t!.n;
}

describe('tenant offboarding through the control plane and the edge', () => {
  let token: string;
  let docId: string;
  let wrapped: Buffer;
  let exportId: string;

  it('a tenant with content', async () => {
    token = await login('gone-us');
    const up = await upload('gone-us', token, 'the board minutes');
    expect(up.status).toBe(201);
    docId = up.body.document.id;
    const [v] = await cellSql<{ wrapped_key: Buffer; blob_key: string }[]>`
      select wrapped_key, blob_key from document_versions where tenant_id = ${tenants['gone-us']!.tenantId}`;
    wrapped = v!.wrapped_key;
    // A copy of the ciphertext, as a backup would hold it.
    expect(
      readFileSync(join(world.topology.cells.get('us-1')!.dir, 'blobs', v!.blob_key)).length,
    ).toBeGreaterThan(0);
  });

  it('offboarding: read-only at the cell through the edge, reads and sign-in still work', async () => {
    const res = await world.topology.admin('POST', '/v1/admin/tenants/gone-us/offboard');
    expect(res.status).toBe(200);
    expect(res.body.tenant.status).toBe('offboarding');
    expect(res.body.exportId).toMatch(/^pex_/);
    exportId = res.body.exportId;
    const deleteAfter = new Date(res.body.tenant.offboarding.deleteAfter).getTime();
    expect(deleteAfter - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);

    const write = await eventually(async () => {
      const r = await upload('gone-us', token, 'more');
      return r.status === 403 ? r : undefined;
    }, 'writes refused');
    expect(write.body.error.code).toBe('tenant_offboarding');
    const read = await world.edge.fetch(`http://gone-us.quire.test/v1/documents/${docId}`, {
      headers: bearer(token),
    });
    expect(read.status).toBe(200);
    token = await login('gone-us');
  });

  it('reactivation during the grace period makes it writable again', async () => {
    const res = await world.topology.admin('POST', '/v1/admin/tenants/gone-us/reactivate');
    expect(res.status).toBe(200);
    expect(res.body.tenant.status).toBe('active');
    await eventually(async () => (await upload('gone-us', token, 'back')).status === 201, 'writable again');
    expect((await world.topology.admin('POST', '/v1/admin/tenants/gone-us/reactivate')).status).toBe(409);
  });

  it("offboarding again; the customer downloads the tenant's export during the grace period", async () => {
    const res = await world.topology.admin('POST', '/v1/admin/tenants/gone-us/offboard');
    expect(res.status).toBe(200);
    const id = res.body.exportId as string;
    expect(id).toBe(exportId); // the first export is still valid: handed over once
    const done = await eventually(
      async () => {
        const r = await world.edge.fetch(`http://gone-us.quire.test/v1/exports/${id}`, {
          headers: bearer(token),
        });
        const body = (await r.json()) as any;
        return body.status === 'done' ? body : undefined;
      },
      'export ready',
      { timeoutMs: 30_000 },
    );
    const zip = await world.edge.fetch(`http://gone-us.quire.test${done.downloadUrl}`, {
      headers: bearer(token),
    });
    expect(zip.status).toBe(200);
    const files = await unzip(Buffer.from(await zip.arrayBuffer()));
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest.tenant.id).toBe(tenants['gone-us']!.tenantId);
    expect(manifest.documents.map((d: any) => d.id)).toContain(docId);
    // Another tenant's admin cannot fetch it, even naming it.
    const other = await login('stay-us');
    const peek = await world.edge.fetch(`http://stay-us.quire.test/v1/exports/${id}/download`, {
      headers: bearer(other),
    });
    expect(peek.status).toBe(404);
  });

  it('past the grace period: deleted; the edge answers 410; the cell purged it and destroyed its key', async () => {
    await endGrace('gone-us');
    const shown = await eventually(
      async () => {
        const r = await world.topology.admin('GET', '/v1/admin/tenants/gone-us');
        return r.body.tenant?.offboarding?.purgedAt ? r.body.tenant : undefined;
      },
      'purge confirmed by the cell',
      { timeoutMs: 30_000 },
    );
    expect(shown.status).toBe('deleted');

    const byToken = await eventually(async () => {
      const r = await world.edge.fetch('http://quire.test/v1/me', { headers: bearer(token) });
      return r.status === 410 ? r : undefined;
    }, 'edge answers 410');
    expect(((await byToken.json()) as any).error.code).toBe('tenant_deleted');
    const bySlug = await world.edge.fetch('http://gone-us.quire.test/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: tenants['gone-us']!.email, password: tenants['gone-us']!.password }),
    });
    expect(bySlug.status).toBe(410);

    expect(await tenantRows(tenants['gone-us']!.tenantId)).toBe(0);
    const keyring = new LocalKeyring(join(world.topology.cells.get('us-1')!.dir, 'keyring'));
    await expect(keyring.unwrapDataKey(tenants['gone-us']!.tenantId, wrapped)).rejects.toThrow();

    // The neighbour on the same cell is untouched.
    const other = await login('stay-us');
    expect((await upload('stay-us', other, 'still here')).status).toBe(201);
  });

  it('a cell that is down when the deletion comes completes it when it returns', async () => {
    const later = tenants['later-us']!;
    expect((await world.topology.admin('POST', '/v1/admin/tenants/later-us/offboard')).status).toBe(200);
    await world.topology.stop('us-1');
    await endGrace('later-us');
    await eventually(
      async () =>
        (await world.topology.admin('GET', '/v1/admin/tenants/later-us')).body.tenant.status === 'deleted',
      'deleted while its cell is down',
    );
    const during = (await world.topology.admin('GET', '/v1/admin/tenants/later-us')).body.tenant;
    expect(during.offboarding.purgedAt).toBeNull();
    expect(await tenantRows(later.tenantId)).toBeGreaterThan(0);
    await world.topology.start('us-1');
    await eventually(async () => (await tenantRows(later.tenantId)) === 0, 'purged once back', {
      timeoutMs: 30_000,
    });
  });
});
