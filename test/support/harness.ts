import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@quire/shared/ids';
import { silentLogger } from '@quire/shared/log';
import { createApp } from '../../cell/src/app.ts';
import { createDeps } from '../../cell/src/deps.ts';
import { parseEnv } from '../../cell/src/env.ts';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdef0123';

/** A real cell in-process: the run's Postgres database (as the app role), real Redis, fs blobs and a local keyring in a temp dir. */
export async function startTestCell(
  cellId = 'us-1',
  adapters: { blobs: 'fs' | 's3'; keyring: 'local' | 'kms' } = { blobs: 'fs', keyring: 'local' },
  /** More cell env (e.g. EDGE_ASSERTION_SECRET), applied last. */
  extraEnv: Record<string, string> = {},
  /** The cell's state folder (blobs, keyring, keys); the same folder again is the same cell restarted. */
  dir = mkdtempSync(join(tmpdir(), 'quire-cell-')),
) {
  const env = parseEnv({
    CELL_ID: cellId,
    CELL_REGION: cellId.split('-')[0],
    DATABASE_URL: process.env.QUIRE_TEST_DATABASE_URL,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: process.env.QUIRE_REDIS_URL,
    BLOB_STORE: adapters.blobs,
    BLOB_DIR: join(dir, 'blobs'),
    S3_ENDPOINT: process.env.QUIRE_S3_ENDPOINT,
    S3_BUCKET: adapters.blobs === 's3' ? `quire-test-${Date.now().toString(36)}` : undefined,
    KEYRING: adapters.keyring,
    KEYRING_DIR: join(dir, 'keyring'),
    KMS_ENDPOINT: process.env.QUIRE_KMS_ENDPOINT,
    JWT_ISSUER: `https://${cellId}.cells.test`,
    SIGNING_KEY_FILE: join(dir, 'signing-keys.json'),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    // The test identity providers run on http://127.0.0.1.
    SSO_ALLOW_INSECURE_IDP: 'true',
    ...extraEnv,
  });
  const { deps, close } = await createDeps(env, silentLogger);
  const app = createApp(deps);
  return { app, deps, env, dir, close };
}

export type TestCell = Awaited<ReturnType<typeof startTestCell>>;

export interface TestUser {
  tenantId: string;
  userId: string;
  token: string;
  headers: Record<string, string>;
}

/** Provisions a tenant through the internal API and logs its admin in. */
export async function buildTenant(
  cell: TestCell,
  plan: 'standard' | 'professional' | 'enterprise' = 'standard',
) {
  const tenantId = `ten_t${newId('tenant').slice(-12)}`;
  const email = `admin@${tenantId.replace('_', '-')}.test`;
  const password = 'correct horse battery staple';
  const res = await cell.app.request(`/internal/v1/tenants/${tenantId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: tenantId.slice(4), plan, admin: { email, name: 'Admin', password } }),
  });
  if (res.status !== 200) throw new Error(`provision failed: ${res.status} ${await res.text()}`);
  const admin = await login(cell, tenantId, email, password);
  return { tenantId, admin };
}

export async function login(
  cell: TestCell,
  tenantId: string,
  email: string,
  password: string,
): Promise<TestUser> {
  const res = await cell.app.request('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  const me = (await (
    await cell.app.request('/v1/me', { headers: { authorization: `Bearer ${accessToken}` } })
  ).json()) as { userId: string };
  return {
    tenantId,
    userId: me.userId,
    token: accessToken,
    headers: { authorization: `Bearer ${accessToken}` },
  };
}

/** JSON request helper: returns status and parsed body. */
export async function call(
  cell: TestCell,
  user: TestUser | null,
  method: string,
  path: string,
  body?: unknown,
) {
  const headers: Record<string, string> = { ...(user?.headers ?? {}) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await cell.app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, any>, headers: res.headers };
}

export async function uploadDoc(
  cell: TestCell,
  user: TestUser,
  content: string | Uint8Array,
  q: Record<string, string> = {},
  extraHeaders: Record<string, string> = {},
) {
  const { filename = 'file.txt', title, ...query } = q;
  const params = new URLSearchParams(query);
  const res = await cell.app.request(`/v1/documents${params.size ? `?${params}` : ''}`, {
    method: 'POST',
    headers: {
      ...user.headers,
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename, title }),
      ...extraHeaders,
    },
    body: content,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Adds a user with a password through the admin API and logs them in. */
export async function buildUser(cell: TestCell, admin: TestUser, role: 'viewer' | 'editor' | 'admin') {
  const email = `${role}-${newId('user').slice(-10)}@example.test`;
  const password = 'a long enough password';
  const res = await call(cell, admin, 'POST', '/v1/users', { email, name: `A ${role}`, role, password });
  if (res.status !== 201) throw new Error(`user create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return login(cell, admin.tenantId, email, password);
}
