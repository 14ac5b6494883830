import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { uploadMetadata } from '../../cell/src/modules/documents/upload-metadata.ts';
import { untilRouted, type World } from '../../test/support/topology.ts';

/**
 * The product's request mix through the edge (REQUIREMENTS: 60 % search, 25 % read or
 * download, 10 % write/upload, 5 % other) over many tenants in two cells, and a ledger of
 * every acknowledged write so a fault run can check that none was lost or doubled.
 */
export type Op = 'search' | 'read' | 'download' | 'upload' | 'other';

export interface MixTenant {
  slug: string;
  tenantId: string;
  cell: 'us-1' | 'eu-1';
  token: string;
  docs: string[];
}

/** One acknowledged (2xx) upload: its Idempotency-Key, file name and the document it made. */
export interface LedgerEntry {
  tenant: MixTenant;
  key: string;
  filename: string;
  documentId: string;
}

export interface Outcome {
  op: Op;
  cell: MixTenant['cell'];
  status: number;
}

const WORDS = ['contract', 'policy', 'report', 'invoice', 'minutes', 'budget', 'renewal', 'audit'];

/** Picks an operation by the mix's weights (r uniform in [0, 1)). */
export function pickOp(r: number): Op {
  if (r < 0.6) return 'search';
  if (r < 0.725) return 'read';
  if (r < 0.85) return 'download';
  if (r < 0.95) return 'upload';
  return 'other';
}

/** Provisions `count` tenants (half per cell), logs each in, and seeds a few documents. */
export async function provisionTenants(
  world: World,
  o: { count: number; docsPerTenant: number; prefix: string; parallel?: number },
): Promise<MixTenant[]> {
  const tenants: MixTenant[] = [];
  const todo = Array.from({ length: o.count }, (_, i) => i);
  const one = async (i: number) => {
    const region = i % 2 === 0 ? 'us' : 'eu';
    const slug = `${o.prefix}-${i}`;
    const t = await world.provision({ slug, region });
    await untilRouted(world, slug);
    const token = await world.login(slug, t.email, t.password);
    const tenant: MixTenant = { slug, tenantId: t.tenantId, cell: `${region}-1`, token, docs: [] };
    for (let d = 0; d < o.docsPerTenant; d++) {
      const res = await send(world, tenant, 'upload');
      if (res.status !== 201) throw new Error(`seed upload for ${slug}: ${res.status}`);
    }
    tenants.push(tenant);
  };
  const lanes = Array.from({ length: o.parallel ?? 4 }, async () => {
    for (let i = todo.shift(); i !== undefined; i = todo.shift()) await one(i);
  });
  await Promise.all(lanes);
  return tenants.sort((a, b) => a.slug.localeCompare(b.slug));
}

const agents = new WeakMap<World, Agent>();
const ledgers = new WeakMap<World, LedgerEntry[]>();

/** Every acknowledged upload sent through `send` on this world. */
export function ledgerOf(world: World): LedgerEntry[] {
  return ledgers.get(world) ?? ledgers.set(world, []).get(world)!;
}

/** An upload never acknowledged (the cell or a store was down): its retry after recovery must make at most one document. */
export interface PendingUpload {
  tenant: MixTenant;
  key: string;
  filename: string;
  body: string;
}
const pendings = new WeakMap<World, PendingUpload[]>();
export function pendingOf(world: World): PendingUpload[] {
  return pendings.get(world) ?? pendings.set(world, []).get(world)!;
}

/** Sends an upload with its Idempotency-Key (the same key and request on a retry). */
export function sendUpload(
  world: World,
  tenant: MixTenant,
  u: { key: string; filename: string; body: string },
) {
  return edgeRequest(world, {
    method: 'POST',
    path: '/v1/documents',
    headers: {
      authorization: `Bearer ${tenant.token}`,
      'content-type': 'text/plain',
      'upload-metadata': uploadMetadata({ filename: u.filename }),
      'idempotency-key': u.key,
    },
    body: u.body,
  });
}

/** One HTTP request to the edge's real address (Host decides the tenant), never throwing: status 0 on a transport failure. */
export function edgeRequest(
  world: World,
  o: { method: string; path: string; headers: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<{ status: number; body: string }> {
  const agent =
    agents.get(world) ?? agents.set(world, new Agent({ keepAlive: true, maxSockets: 256 })).get(world)!;
  const url = new URL(world.edge.url);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: o.method,
        path: o.path,
        agent,
        headers: {
          host: 'quire.test',
          ...o.headers,
          ...(o.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(o.body)) }),
        },
        timeout: o.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(o.body);
  });
}

/** Sends one operation of the mix for a tenant; uploads are recorded in the world's ledger when acknowledged. */
export async function send(world: World, tenant: MixTenant, op: Op): Promise<Outcome> {
  const auth = { authorization: `Bearer ${tenant.token}` };
  const word = WORDS[Math.floor(Math.random() * WORDS.length)]!;
  const doc = tenant.docs[Math.floor(Math.random() * tenant.docs.length)];
  let res: { status: number; body: string };
  switch (op) {
    case 'search':
      res = await edgeRequest(world, {
        method: 'POST',
        path: '/v1/search',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ q: word, limit: 20 }),
      });
      break;
    case 'read':
    case 'download':
      if (!doc) return send(world, tenant, 'other');
      res = await edgeRequest(world, {
        method: 'GET',
        path: op === 'read' ? `/v1/documents/${doc}` : `/v1/documents/${doc}/content`,
        headers: auth,
      });
      break;
    case 'upload': {
      const key = `load-${randomBytes(9).toString('base64url')}`;
      const filename = `${word}-${key}.txt`;
      const body = `${word} ${filename} ${'lorem ipsum dolor sit amet '.repeat(40)}`;
      // A transport failure or a 503 is retried with the same key, as a client would: the ledger
      // then checks that a retry never made a second document.
      for (let attempt = 0; ; attempt++) {
        res = await sendUpload(world, tenant, { key, filename, body });
        if (res.status === 201 || attempt >= 2 || (res.status !== 0 && res.status !== 503)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (res.status === 201) {
        const documentId = (JSON.parse(res.body) as { document: { id: string } }).document.id;
        tenant.docs.push(documentId);
        ledgerOf(world).push({ tenant, key, filename, documentId });
      } else pendingOf(world).push({ tenant, key, filename, body });
      break;
    }
    default:
      res = await edgeRequest(world, {
        method: 'GET',
        path: Math.random() < 0.5 ? '/v1/me' : '/v1/folders/root/children?limit=20',
        headers: auth,
      });
  }
  return { op, cell: tenant.cell, status: res.status };
}
