import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN } from '../../../test/support/harness.ts';
import { uploadMetadata } from '../../src/modules/documents/upload-metadata.ts';

const dir = mkdtempSync(join(tmpdir(), 'quire-crash-'));
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `node cell/src/server.ts` as a real process and waits until it answers. */
async function startCell(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['cell/src/server.ts'], {
    env: {
      ...process.env,
      CELL_ID: 'us-1',
      CELL_REGION: 'us',
      PORT: String(port),
      DATABASE_URL: process.env.QUIRE_TEST_DATABASE_URL,
      REDIS_URL: process.env.QUIRE_REDIS_URL,
      BLOB_STORE: 'fs',
      BLOB_DIR: join(dir, 'blobs'),
      KEYRING: 'local',
      KEYRING_DIR: join(dir, 'keyring'),
      JWT_ISSUER: 'https://crash.cells.test',
      SIGNING_KEY_FILE: join(dir, 'keys.json'),
      INTERNAL_API_TOKEN: INTERNAL_TOKEN,
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return proc;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('cell did not start');
}

afterAll(() => {
  child?.kill('SIGKILL');
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('crash during uploads', () => {
  it('kill -9 mid-upload: every acknowledged upload is intact after restart, nothing half-written is visible', async () => {
    const port = await freePort();
    child = await startCell(port);
    const base = `http://127.0.0.1:${port}`;
    const tenantId = `ten_crash${Date.now().toString(36)}`;
    const prov = await fetch(`${base}/internal/v1/tenants/${tenantId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        slug: 'crash',
        plan: 'standard',
        admin: { email: 'a@crash.test', name: 'A', password: 'crash-password-1' },
      }),
    });
    expect(prov.status).toBe(200);
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, email: 'a@crash.test', password: 'crash-password-1' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };

    // A stream of uploads, 1 MB each, four at a time; the process dies while some are in flight.
    const acknowledged = new Map<string, string>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const body = randomBytes(1024 * 1024);
        try {
          const res = await fetch(`${base}/v1/documents`, {
            method: 'POST',
            headers: {
              ...auth,
              'content-type': 'application/octet-stream',
              'upload-metadata': uploadMetadata({ filename: `f-${w}-${i}.bin` }),
            },
            body,
          });
          if (res.status === 201)
            acknowledged.set(((await res.json()) as { document: { id: string } }).document.id, sha(body));
        } catch {
          return; // connection reset by the crash
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    while (acknowledged.size < 8) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(acknowledged.size).toBeGreaterThanOrEqual(8);

    child = await startCell(port);
    for (const [id, digest] of acknowledged) {
      const res = await fetch(`${base}/v1/documents/${id}/content`, { headers: auth });
      expect(res.status, id).toBe(200);
      expect(sha(new Uint8Array(await res.arrayBuffer())), id).toBe(digest);
    }
    // Every document the tenant can list downloads whole: no half-written document is visible.
    const list = (await (
      await fetch(`${base}/v1/folders/root/children?limit=200`, { headers: auth })
    ).json()) as { items: { id: string }[] };
    expect(list.items.length).toBeGreaterThanOrEqual(acknowledged.size);
    for (const item of list.items) {
      const res = await fetch(`${base}/v1/documents/${item.id}/content`, { headers: auth });
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(bytes.length).toBe(1024 * 1024);
    }
    // No temp files are left where readers could mistake them for blobs.
    const tenantDir = join(dir, 'blobs', 'tenants', tenantId, 'documents');
    for (const d of readdirSync(tenantDir))
      expect(readdirSync(join(tenantDir, d)).every((f) => f.startsWith('ver_') || f.startsWith('.'))).toBe(
        true,
      );
  }, 60_000);
});
