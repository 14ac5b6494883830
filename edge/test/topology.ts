import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { EdgeSnapshot, RouteCell, RouteKey, RouteTenant } from '@quire/shared/routing';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { WebSocketServer } from 'ws';
import { buildTenant, startTestCell, type TestCell, type TestUser } from '../../test/support/harness.ts';

/**
 * Real servers around the edge for its tests: two real cells (us-1, eu-1), an echo origin
 * registered as a third cell (reports what it received, streams, speaks WebSocket), and the
 * routing snapshot served by a small Node server speaking the control plane's contract
 * (edgeSnapshotSchema, ETag / If-None-Match) so a test can count its hits and take it down.
 */

export const EDGE_TOKEN = 'edge-token-for-tests-0123456789abcdef';
export const ASSERTION_SECRET = 'edge-assertion-secret-for-tests-0123456789';
export const HOSTS = { 'quire.test': 'global', 'us.quire.test': 'us', 'eu.quire.test': 'eu' };

export interface Listening {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(handler: RequestListener, port = 0): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ServedCell {
  cell: TestCell;
  /** Requests that reached this cell over HTTP. */
  readonly requests: number;
  id: string;
  url: string;
  issuer: string;
  /** Stops answering (connections refused from now on). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** A real cell (test/support/harness.ts) on a real port, checking edge assertions when present. */
export async function serveCell(cellId: string): Promise<ServedCell> {
  const cell = await startTestCell(cellId, undefined, { EDGE_ASSERTION_SECRET: ASSERTION_SECRET });
  let requests = 0;
  const counted = (req: Request) => {
    requests++;
    return cell.app.fetch(req);
  };
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const s = serve({ fetch: counted, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve({ server: s, port: info.port }),
      );
    },
  );
  let stopped = false;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve();
      stopped = true;
      (server as Server).closeAllConnections?.();
      server.close(() => resolve());
    });
  return {
    cell,
    get requests() {
      return requests;
    },
    id: cellId,
    url: `http://127.0.0.1:${port}`,
    issuer: cell.env.JWT_ISSUER,
    stop,
    async close() {
      await stop();
      await cell.close();
    },
  };
}

/** The cell's current private signing key (its key file), to forge tokens a real cell key signed. */
export async function signingKeyOf(cell: ServedCell) {
  const file = JSON.parse(readFileSync(join(cell.cell.dir, 'signing-keys.json'), 'utf8')) as {
    keys: { kid: string; privateJwk: JWK; publicJwk: JWK }[];
  };
  const newest = file.keys[file.keys.length - 1]!;
  return { kid: newest.kid, key: await importJWK(newest.privateJwk, 'ES256'), publicJwk: newest.publicJwk };
}

/** The cell's advertised keys, as the control plane publishes them to the edge. */
export async function keysOf(cell: ServedCell): Promise<RouteKey[]> {
  const res = await fetch(`${cell.url}/.well-known/jwks.json`);
  const { keys } = (await res.json()) as { keys: Omit<RouteKey, 'cellId' | 'retiresAt'>[] };
  return keys.map((k) => ({ ...k, cellId: cell.id, retiresAt: null }));
}

export function routeCell(cell: { id: string; url: string; issuer: string }, region: string): RouteCell {
  return { id: cell.id, region, baseUrl: cell.url, status: 'active', issuer: cell.issuer };
}

export function routeTenant(
  t: { tenantId: string },
  cellId: string,
  region: string,
  extra: Partial<RouteTenant> = {},
): RouteTenant {
  return {
    id: t.tenantId,
    slug: t.tenantId.slice(4),
    region,
    cellId,
    status: 'active',
    strictResidency: false,
    ...extra,
  };
}

/** The control plane's routing endpoint, real HTTP: counts hits, answers 304 to a matching If-None-Match, can go down. */
export class SnapshotServer {
  hits = 0;
  notModified = 0;
  snapshot: EdgeSnapshot;
  #version = 1;
  #listening: Listening | null = null;
  #port = 0;

  constructor(initial: Omit<EdgeSnapshot, 'version' | 'generatedAt'>) {
    this.snapshot = { ...initial, version: 'v1', generatedAt: new Date().toISOString() };
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Changes the snapshot (a new version, as the control plane does on every change). */
  update(change: (s: EdgeSnapshot) => void) {
    change(this.snapshot);
    this.snapshot.version = `v${++this.#version}`;
    this.snapshot.generatedAt = new Date().toISOString();
  }

  async start(): Promise<void> {
    this.#listening = await listen((req, res) => {
      if (req.url !== '/v1/edge/snapshot') return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${EDGE_TOKEN}`) return void res.writeHead(401).end();
      this.hits++;
      const etag = `"${this.snapshot.version}"`;
      if (req.headers['if-none-match'] === etag) {
        this.notModified++;
        return void res.writeHead(304, { etag }).end();
      }
      res.writeHead(200, { 'content-type': 'application/json', etag }).end(JSON.stringify(this.snapshot));
    }, this.#port);
    this.#port = this.#listening.port;
  }

  async stop(): Promise<void> {
    await this.#listening?.close();
    this.#listening = null;
  }
}

export interface EchoRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  sha256: string;
}

/**
 * An origin registered as a cell that reports what reached it: `/echo*` answers with the
 * method, raw request target, headers and a digest of the body; `/upload` reports bytes as
 * they arrive; `/hang` never answers; `/slow` sends a first chunk and holds the rest until `release()`; `/ws`
 * accepts a WebSocket and echoes messages. Everything it receives is recorded in `seen`.
 */
export async function startEchoOrigin() {
  const seen: EchoRequest[] = [];
  const progress = { received: 0, waiters: [] as { bytes: number; resolve: () => void }[] };
  let releaseSlow: (() => void) | null = null;
  let slowFinished = false;
  const wss = new WebSocketServer({ noServer: true });

  const onBytes = (n: number) => {
    progress.received += n;
    progress.waiters = progress.waiters.filter((w) => {
      if (progress.received >= w.bytes) w.resolve();
      return progress.received < w.bytes;
    });
  };

  const record = (req: IncomingMessage, bytes: number, sha256: string) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes, sha256 };
    seen.push(entry);
    return entry;
  };

  const listening = await listen((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/upload') {
      progress.received = 0;
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        onBytes(chunk.length);
      });
      req.on('end', () => {
        const entry = record(req, progress.received, hash.digest('hex'));
        res.writeHead(200, { 'content-type': 'application/json', 'x-quire-cell': 'echo-1' });
        res.end(JSON.stringify(entry));
      });
      return;
    }
    if (path === '/hang') {
      record(req, 0, '');
      return; // never answers: the edge's upstream timeout must
    }
    if (path === '/slow') {
      record(req, 0, '');
      slowFinished = false;
      res.writeHead(200, { 'content-type': 'text/plain', 'x-quire-cell': 'echo-1' });
      res.write('first chunk\n');
      releaseSlow = () => {
        res.end('the rest\n');
        slowFinished = true;
      };
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => {
      const entry = record(req, bytes, hash.digest('hex'));
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-quire-cell': 'echo-1',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic realm="origin"',
        'x-origin-header': 'kept',
      });
      res.end(JSON.stringify(entry));
    });
  });

  listening.server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/ws')) return socket.destroy();
    record(req, 0, '');
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ hello: true, headers: req.headers }));
      ws.on('message', (data) => ws.send(`echo:${data.toString()}`));
    });
  });

  return {
    id: 'echo-1',
    url: listening.url,
    issuer: 'https://echo-1.cells.test',
    seen,
    progress,
    /** Resolves once the origin has received at least `bytes` bytes of the current /upload. */
    receivedAtLeast: (bytes: number) =>
      new Promise<void>((resolve) => {
        if (progress.received >= bytes) return resolve();
        progress.waiters.push({ bytes, resolve });
      }),
    release: () => releaseSlow?.(),
    get slowFinished() {
      return slowFinished;
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await listening.close();
    },
  };
}

export type EchoOrigin = Awaited<ReturnType<typeof startEchoOrigin>>;

/** A signing key the test controls, published as a key of `cellId` (used to mint tokens for the echo cell). */
export async function testSigningKey(cellId: string, kid = `test-${cellId}`) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const routeKey: RouteKey = {
    kid,
    kty: 'EC',
    crv: 'P-256',
    x: jwk.x!,
    y: jwk.y!,
    alg: 'ES256',
    use: 'sig',
    cellId,
    retiresAt: null,
  };
  return { privateKey, publicJwk: jwk, routeKey, kid };
}

/** Mints an access token with the given key and claims (defaults: a valid token of `tid` on `cell`). */
export async function mint(
  key: Parameters<SignJWT['sign']>[0],
  o: {
    kid: string;
    tid: string;
    cell: string;
    iss: string;
    aud?: string;
    alg?: string;
    typ?: string;
    expSeconds?: number;
    sub?: string;
  },
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tid: o.tid, cell: o.cell, roles: ['admin'], sid: 'ses_test' })
    .setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid, typ: o.typ ?? 'at+jwt' })
    .setSubject(o.sub ?? 'usr_test')
    .setIssuer(o.iss)
    .setAudience(o.aud ?? 'quire')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (o.expSeconds ?? 600))
    .sign(key);
}

/** The whole test topology: us-1 and eu-1 (real cells) and echo-1, one tenant each, and the snapshot server. */
export async function startTopology() {
  const [us, eu, echo] = await Promise.all([serveCell('us-1'), serveCell('eu-1'), startEchoOrigin()]);
  const [usTenant, euTenant] = await Promise.all([buildTenant(us.cell), buildTenant(eu.cell)]);
  const echoKey = await testSigningKey('echo-1');
  const echoTenant = { tenantId: `ten_echo${Math.random().toString(36).slice(2, 10)}` };
  const snapshots = new SnapshotServer({
    cells: [routeCell(us, 'us'), routeCell(eu, 'eu'), routeCell(echo, 'us')],
    tenants: [
      routeTenant(usTenant, 'us-1', 'us'),
      routeTenant(euTenant, 'eu-1', 'eu'),
      routeTenant(echoTenant, 'echo-1', 'us'),
    ],
    keys: [...(await keysOf(us)), ...(await keysOf(eu)), echoKey.routeKey],
  });
  await snapshots.start();
  const echoToken = (tid = echoTenant.tenantId) =>
    mint(echoKey.privateKey, { kid: echoKey.kid, tid, cell: 'echo-1', iss: echo.issuer });
  return {
    us,
    eu,
    echo,
    usTenant: usTenant as { tenantId: string; admin: TestUser },
    euTenant: euTenant as { tenantId: string; admin: TestUser },
    echoTenant,
    echoKey,
    echoToken,
    snapshots,
    async close() {
      await Promise.all([us.close(), eu.close(), echo.close(), snapshots.stop()]);
    },
  };
}

export type Topology = Awaited<ReturnType<typeof startTopology>>;

/** The slug hostname of a tenant on a served hostname. */
export const at = (t: { tenantId: string }, host = 'quire.test') => `http://${t.tenantId.slice(4)}.${host}`;
