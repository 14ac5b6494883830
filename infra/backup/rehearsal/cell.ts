import { createHash, randomBytes } from 'node:crypto';
import { silentLogger } from '@quire/shared/log';
import type postgres from 'postgres';
import { AuditSealer } from '../../../cell/src/modules/audit/sealer.ts';
import { uploadMetadata } from '../../../cell/src/modules/documents/upload-metadata.ts';
import {
  buildTenant,
  call,
  INTERNAL_TOKEN,
  login,
  startTestCell,
  type TestCell,
  type TestUser,
  uploadDoc,
} from '../../../test/support/harness.ts';

/**
 * The rehearsal's traffic goes through a real cell (the test harness's in-process cell: the
 * app, its Postgres pool as the app role, Redis, fs blobs, local keyring), so what is backed up
 * and restored is exactly what the product writes, and downloads are checked through the
 * product's own decrypting read path.
 */
export async function openCell(o: { databaseUrl: string; redisUrl: string; dir: string }): Promise<TestCell> {
  return startTestCell(
    'us-1',
    { blobs: 'fs', keyring: 'local' },
    { DATABASE_URL: o.databaseUrl, REDIS_URL: o.redisUrl },
    o.dir,
  );
}

/** Chains what the cell audited so far (the worker's sealer does it in production). */
export async function seal(cell: TestCell): Promise<void> {
  await cell.deps.auditTrail.drained();
  await new AuditSealer(cell.deps.db.$client, silentLogger).sealNow();
}

export interface RehearsalTenant {
  tenantId: string;
  admin: TestUser;
  email: string;
  password: string;
  documents: string[];
}

export async function newTenant(cell: TestCell): Promise<RehearsalTenant> {
  const { tenantId, admin } = await buildTenant(cell);
  // buildTenant's admin (see test/support/harness.ts): needed again to sign in on a restored cell.
  const email = `admin@${tenantId.replace('_', '-')}.test`;
  return { tenantId, admin, email, password: 'correct horse battery staple', documents: [] };
}

/** Uploads `count` documents (every third gets a second version); random bytes, so every blob differs. */
export async function addDocuments(
  cell: TestCell,
  t: RehearsalTenant,
  count: number,
  tag: string,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = `${tag} ${i} ${randomBytes(1500 + i * 50).toString('base64')}`;
    const up = await uploadDoc(cell, t.admin, body, { filename: `${tag}-${i}.txt` });
    if (up.status !== 201) throw new Error(`upload failed: ${up.status} ${JSON.stringify(up.body)}`);
    const id = up.body.document.id as string;
    t.documents.push(id);
    if (i % 3 === 0) {
      const res = await cell.app.request(`/v1/documents/${id}/versions`, {
        method: 'POST',
        headers: {
          ...t.admin.headers,
          'content-type': 'text/plain',
          'upload-metadata': uploadMetadata({ filename: `${tag}-${i}-v2.txt` }),
        },
        body: `${body} (second version)`,
      });
      if (res.status !== 201) throw new Error(`new version failed: ${res.status} ${await res.text()}`);
    }
  }
}

/** Trash, then delete for good (rows and blobs). */
export async function deleteDocument(cell: TestCell, t: RehearsalTenant, id: string): Promise<void> {
  for (const [method, path] of [
    ['DELETE', `/v1/documents/${id}`],
    ['DELETE', `/v1/documents/${id}/permanent`],
  ] as const) {
    const res = await call(cell, t.admin, method, path);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  t.documents = t.documents.filter((d) => d !== id);
}

export async function setTenantStatus(cell: TestCell, tenantId: string, status: 'active' | 'suspended') {
  const res = await cell.app.request(`/internal/v1/tenants/${tenantId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  });
  if (res.status !== 200) throw new Error(`set ${status}: ${res.status} ${await res.text()}`);
}

/**
 * Downloads every version of the tenant the database lists (read as superuser),
 * comparing the sha256 of what the cell serves with the one the version row stores.
 */
export async function verifyDownloads(
  cell: TestCell,
  superuser: postgres.Sql,
  t: RehearsalTenant,
  admin: TestUser,
): Promise<{ checked: number; firstAt: number }> {
  const versions = await superuser<{ id: string; document_id: string; sha256: string }[]>`
    select v.id, v.document_id, v.sha256 from document_versions v
    join documents d on d.tenant_id = v.tenant_id and d.id = v.document_id
    where v.tenant_id = ${t.tenantId} and d.trashed_at is null order by v.id`;
  let firstAt = 0;
  for (const v of versions) {
    const res = await cell.app.request(`/v1/documents/${v.document_id}/content?versionId=${v.id}`, {
      headers: admin.headers,
    });
    if (res.status !== 200) throw new Error(`${t.tenantId} ${v.id}: download answered ${res.status}`);
    const got = createHash('sha256')
      .update(Buffer.from(await res.arrayBuffer()))
      .digest('hex');
    if (got !== v.sha256)
      throw new Error(`${t.tenantId} ${v.id}: served sha256 ${got}, row says ${v.sha256}`);
    firstAt ||= Date.now();
  }
  return { checked: versions.length, firstAt };
}

/** Signs the tenant's admin in with the password (a restored cell knows it from its users table). */
export function signIn(cell: TestCell, t: RehearsalTenant): Promise<TestUser> {
  return login(cell, t.tenantId, t.email, t.password);
}

/** GET /v1/audit/verify as the tenant's admin. */
export async function verifyAudit(cell: TestCell, admin: TestUser) {
  const res = await call(cell, admin, 'GET', '/v1/audit/verify');
  if (res.status !== 200) throw new Error(`audit verify: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { ok: boolean; checked: number; unsealed: number; unchainedBehind: number };
}
