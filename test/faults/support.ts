import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import { type OwnServer, startOwnRedis } from '../support/own-servers.ts';
import { startWorld, untilRouted, type World } from '../support/topology.ts';

/**
 * A world for fault tests: the control plane, two cells and the edge, with a redis-server of
 * the test's own (so a test may kill it, and no BullMQ state is shared with anyone), and one
 * tenant per cell, logged in.
 */
export interface FaultWorld {
  world: World;
  redis: OwnServer;
  tenants: Record<'us' | 'eu', { slug: string; tenantId: string; token: string }>;
  close(): Promise<void>;
}

export async function startFaultWorld(name: string, o: { redisPerCell?: boolean } = {}): Promise<FaultWorld> {
  const redis = await startOwnRedis(mkdtempSync(join(tmpdir(), `quire-${name}-redis-`)));
  // With redisPerCell, `redis` is us-1's alone and eu-1 gets a second server (also this test's own).
  const euRedis = o.redisPerCell
    ? await startOwnRedis(mkdtempSync(join(tmpdir(), `quire-${name}-redis-eu-`)))
    : undefined;
  let world: World | undefined;
  try {
    world = await startWorld({
      name,
      redisDbs: [0, 1],
      redisUrl: redis.url,
      // A killed API's upload slots (Redis leases) free within seconds, not the default minute.
      cellEnv: { UPLOAD_SLOT_TTL_SECONDS: '3' },
      ...(euRedis ? { cellOverrides: { 'eu-1': { redisUrl: euRedis.url } } } : {}),
    });
    const tenants = {} as FaultWorld['tenants'];
    for (const region of ['us', 'eu'] as const) {
      const slug = `${name.replace(/_/g, '-')}-${region}-${Date.now().toString(36)}`;
      const t = await world.provision({ slug, region });
      await untilRouted(world, slug);
      tenants[region] = { slug, tenantId: t.tenantId, token: await world.login(slug, t.email, t.password) };
    }
    const w = world;
    return {
      world: w,
      redis,
      tenants,
      async close() {
        // A cell shuts down cleanly only with its Redis there: bring back one a test left down.
        if (!redis.pid()) await redis.start().catch(() => {});
        // A process that does not stop in time is killed: nothing of this test outlives it.
        await Promise.race([w.close(), new Promise((r) => setTimeout(r, 60_000))]);
        for (const p of w.topology.processes.values())
          if (p.child && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await redis.close();
        await euRedis?.close();
      },
    };
  } catch (err) {
    await world?.close().catch(() => {});
    await redis.close();
    await euRedis?.close();
    throw err;
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** One request through the edge; a transport failure is status 0 (never thrown). */
export async function call(
  world: World,
  path: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<Answer> {
  try {
    const res = await world.edge.fetch(path.startsWith('http') ? path : `http://quire.test${path}`, {
      ...init,
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  } catch (err) {
    return { status: 0, body: String(err), headers: new Headers() };
  }
}

/** A small upload through the edge, with the file name in Upload-Metadata. */
export function upload(world: World, token: string, filename: string, key?: string, bytes = 256) {
  return call(world, '/v1/documents', {
    method: 'POST',
    headers: {
      ...bearer(token),
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename }),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: `${filename} `.repeat(Math.ceil(bytes / (filename.length + 1))).slice(0, bytes),
  });
}

export function search(world: World, token: string, q: string) {
  return call(world, '/v1/search', {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ q }),
  });
}

/** Every document in the tenant's root folder (paged). */
export async function listRoot(world: World, token: string): Promise<{ id: string; title?: string }[]> {
  const items: { id: string; title?: string }[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await call(world, `/v1/folders/root/children?limit=200${q}`, { headers: bearer(token) });
    if (res.status !== 200) throw new Error(`list root: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor ?? null;
  } while (cursor);
  return items;
}

/** An edge answer for a cell that is down: 503 `unavailable`, Retry-After, the shared envelope. */
export function isCellDown(a: Answer): boolean {
  return (
    a.status === 503 &&
    a.body?.error?.code === 'unavailable' &&
    Number(a.headers.get('retry-after')) > 0 &&
    typeof a.body?.error?.message === 'string'
  );
}
