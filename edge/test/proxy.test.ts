import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type TestEdge } from '../../test/support/edge.ts';
import {
  ASSERTION_SECRET,
  at,
  EDGE_TOKEN,
  HOSTS,
  type Listening,
  listen,
  startTopology,
  type Topology,
} from './topology.ts';

/**
 * Writes raw bytes to the edge's HTTP port (what no fetch client lets us send) and returns the
 * raw answer: its head and, when it has a Content-Length, its body.
 */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let out = '';
    const done = () => {
      socket.destroy();
      resolve(out);
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      out += d;
      const head = out.indexOf('\r\n\r\n');
      if (head === -1) return;
      const length = /content-length:\s*(\d+)/i.exec(out.slice(0, head))?.[1];
      if (length === undefined || out.length - head - 4 >= Number(length)) done();
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

/** The workerd processes this test process started, with their peak resident memory (Linux /proc). */
function workerdPeaks(): Map<number, number> {
  const peaks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      if (!/Name:\s+workerd/.test(status) || ppid !== process.pid) continue;
      peaks.set(Number(entry), Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) * 1024);
    } catch {
      // a process that ended while we looked
    }
  }
  return peaks;
}

describe('edge proxy', () => {
  let top: Topology;
  let edge: TestEdge;
  let evil: Listening;
  let evilHits = 0;
  let echoToken: string;

  beforeAll(async () => {
    top = await startTopology();
    evil = await listen((_req, res) => {
      evilHits++;
      res.end('pwned');
    });
    edge = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      refreshSeconds: 3600,
    });
    echoToken = await top.echoToken();
  });
  afterAll(async () => {
    await edge?.close();
    await evil?.close();
    await top?.close();
  });

  it('strips spoofed internal, forwarding and hop-by-hop headers; sets its own', async () => {
    const host = `${top.echoTenant.tenantId.slice(4)}.quire.test`;
    const { port } = new URL(edge.url);
    const seen = await new Promise<any>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: Number(port),
          method: 'POST',
          path: '/echo/headers?q=1',
          setHost: false,
          headers: {
            Host: host,
            Connection: 'close, x-drop-me',
            'X-Drop-Me': 'listed in Connection',
            'Keep-Alive': 'timeout=5',
            TE: 'trailers',
            Trailer: 'x-late',
            'Proxy-Authorization': 'Basic c3B5OnNweQ==',
            Upgrade: 'h2c',
            'X-Quire-Tenant': 'ten_someone-else',
            'X-Quire-Edge-Assertion': 'v1.1.forged',
            'X-Quire-Cell': 'us-1',
            'X-Quire-Anything': 'spoofed',
            'X-Forwarded-For': '6.6.6.6',
            'X-Forwarded-Host': 'evil.example',
            'X-Forwarded-Proto': 'gopher',
            Forwarded: 'for=6.6.6.6;host=evil.example',
            'X-Real-IP': '6.6.6.6',
            'True-Client-IP': '6.6.6.6',
            'CF-Connecting-IP': '203.0.113.9',
            'X-Request-Id': 'not a valid id!',
            'X-Custom': 'kept',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(text))));
        },
      );
      req.on('error', reject);
      // Chunked, so a Trailer header is legal on the wire.
      req.write('part one,');
      req.end('part two');
    });
    const h = seen.headers as Record<string, string>;
    for (const name of [
      'x-drop-me',
      'keep-alive',
      'te',
      'trailer',
      'proxy-authorization',
      'upgrade',
      'x-quire-cell',
      'x-quire-anything',
      'forwarded',
      'x-real-ip',
      'true-client-ip',
      'cf-connecting-ip',
    ]) {
      expect(h[name], name).toBeUndefined();
    }
    expect(h['x-quire-tenant']).toBe(top.echoTenant.tenantId);
    expect(h['x-quire-edge-assertion']).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(h['x-forwarded-for']).toBe('203.0.113.9'); // the platform's CF-Connecting-IP, only
    expect(h['x-forwarded-host']).toBe(host);
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-request-id']).toMatch(/^req_[0-9a-z]{25}$/);
    expect(h['x-custom']).toBe('kept');
    expect(seen.url).toBe('/echo/headers?q=1');
    expect(seen.bytes).toBe('part one,part two'.length);

    // A well-formed incoming request id is kept end to end.
    const kept = await edge.fetch(`${at(top.echoTenant)}/echo`, {
      headers: { 'x-request-id': 'client-req-0001' },
    });
    expect(((await kept.json()) as any).headers['x-request-id']).toBe('client-req-0001');
    expect(kept.headers.get('x-request-id')).toBe('client-req-0001');
  });

  it("passes the cell's response headers through, without hop-by-hop ones", async () => {
    const res = await edge.fetch(`${at(top.echoTenant)}/echo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-quire-cell')).toBe('echo-1');
    expect(res.headers.get('x-origin-header')).toBe('kept');
    expect(res.headers.get('keep-alive')).toBeNull();
    expect(res.headers.get('proxy-authenticate')).toBeNull();
  });

  it('never lets a path, Host or absolute-URI trick reach another origin', async () => {
    const evilHost = `127.0.0.1:${evil.port}`;
    const tenantHost = `${top.echoTenant.tenantId.slice(4)}.quire.test`;
    const before = top.echo.seen.length;
    const paths = [
      `//${evilHost}/x`,
      `///${evilHost}/x`,
      `/..%2f..%2f${evilHost}/x`,
      `/%2f%2f${evilHost}/x`,
      `/@${evilHost}/x`,
      `/..//${evilHost}/x`,
      `/\\\\${evilHost}/x`,
    ];
    for (const path of paths) {
      const res = await edge.fetch(`http://${tenantHost}${path}`, {
        headers: { authorization: `Bearer ${echoToken}` },
      });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-quire-cell'), path).toBe('echo-1');
      const seen = (await res.json()) as { url: string };
      expect(seen.url.startsWith('/'), path).toBe(true);
    }

    // Absolute-form request target naming another origin, a Host naming it, and CONNECT.
    const absolute = await raw(
      edge.url,
      `GET http://${evilHost}/steal HTTP/1.1\r\nHost: ${tenantHost}\r\nConnection: close\r\n\r\n`,
    );
    // workerd itself refuses an absolute-form target naming another host (a 500 from the runtime,
    // before the worker runs); the Cloudflare front does the same with a 4xx. Nothing is forwarded.
    expect(absolute).toMatch(/^HTTP\/1\.1 [45]\d\d/);
    expect(absolute).not.toContain('pwned');
    const hostTrick = await raw(
      edge.url,
      `GET /x HTTP/1.1\r\nHost: ${evilHost}\r\nConnection: close\r\n\r\n`,
    );
    expect(hostTrick).toMatch(/^HTTP\/1\.1 421/);
    const connectTrick = await raw(edge.url, `CONNECT ${evilHost} HTTP/1.1\r\nHost: ${evilHost}\r\n\r\n`);
    expect(connectTrick).toMatch(/^HTTP\/1\.1 (4\d\d|5\d\d)/);
    const trace = await raw(edge.url, `TRACE /x HTTP/1.1\r\nHost: ${tenantHost}\r\n\r\n`);
    expect(trace).toMatch(/^HTTP\/1\.1 405/);
    expect(evilHits).toBe(0);
    // The TRACE itself never reaches the cell: the edge asked it which methods /x allows (OPTIONS).
    expect(top.echo.seen.length).toBe(before + paths.length + 1);
    expect(top.echo.seen.at(-1)?.method).toBe('OPTIONS');
  });

  it('streams a 50 MB upload: the cell receives each chunk before the client sends the next', async () => {
    const CHUNK = 1024 * 1024;
    const CHUNKS = 50;
    const sent = createHash('sha256');
    let i = 0;
    const peaksBefore = workerdPeaks();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (i > 0) {
          // Lockstep: the next chunk exists only once the origin holds every byte sent so far.
          // An edge that buffered the body would never get here, and the test would fail.
          await top.echo.receivedAtLeast(i * CHUNK);
        }
        if (i === CHUNKS) return controller.close();
        const chunk = new Uint8Array(CHUNK).fill(i % 251);
        sent.update(chunk);
        controller.enqueue(chunk);
        i++;
      },
    });
    const res = await edge.fetch(`${at(top.echoTenant)}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${echoToken}`, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { bytes: number; sha256: string };
    expect(seen.bytes).toBe(CHUNK * CHUNKS);
    expect(seen.sha256).toBe(sent.digest('hex'));

    // Bounded memory: workerd's peak resident set grew by far less than the body.
    const peaksAfter = workerdPeaks();
    expect(peaksAfter.size).toBeGreaterThan(0);
    const growth = Math.max(...[...peaksAfter].map(([pid, peak]) => peak - (peaksBefore.get(pid) ?? peak)));
    console.log(
      `edge workerd peak RSS growth during a 50 MB streamed upload: ${(growth / 1048576).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(20 * 1024 * 1024);
  });

  it('streams a tus PATCH body (application/offset+octet-stream) and forwards HEAD without a body', async () => {
    const CHUNK = 1024 * 1024;
    const CHUNKS = 20;
    const sent = createHash('sha256');
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Lockstep as above: a buffering edge would never let the client send the next chunk.
        if (i > 0) await top.echo.receivedAtLeast(i * CHUNK);
        if (i === CHUNKS) return controller.close();
        const chunk = new Uint8Array(CHUNK).fill((i * 7) % 251);
        sent.update(chunk);
        controller.enqueue(chunk);
        i++;
      },
    });
    const res = await edge.fetch(`${at(top.echoTenant)}/upload`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${echoToken}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'tus-resumable': '1.0.0',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    const seen = (await res.json()) as {
      method: string;
      bytes: number;
      sha256: string;
      headers: Record<string, string>;
    };
    expect(seen.method).toBe('PATCH');
    expect(seen.bytes).toBe(CHUNK * CHUNKS);
    expect(seen.sha256).toBe(sent.digest('hex'));
    expect(seen.headers['upload-offset']).toBe('0');
    expect(seen.headers['tus-resumable']).toBe('1.0.0');

    const head = await edge.fetch(`${at(top.echoTenant)}/upload`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${echoToken}`, 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('streams the response: the first bytes arrive while the cell is still writing', async () => {
    // accept-encoding identity: Miniflare's entry gzips text for clients that accept it (as
    // Cloudflare's front may), and a compressor holds small chunks; the worker itself streams.
    const res = await edge.fetch(`${at(top.echoTenant)}/slow`, {
      headers: { authorization: `Bearer ${echoToken}`, 'accept-encoding': 'identity' },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('first chunk\n');
    expect(top.echo.slowFinished).toBe(false);
    top.echo.release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('first chunk\nthe rest\n');
  });

  it('answers 503 with Retry-After when the cell does not start answering within the upstream timeout', async () => {
    const impatient = await startEdge({
      controlPlaneUrl: top.snapshots.url,
      edgeToken: EDGE_TOKEN,
      assertionSecret: ASSERTION_SECRET,
      hosts: HOSTS,
      upstreamTimeoutSeconds: 1,
    });
    try {
      const res = await impatient.fetch(`${at(top.echoTenant)}/hang`, {
        headers: { authorization: `Bearer ${echoToken}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(((await res.json()) as any).error.code).toBe('unavailable');
    } finally {
      await impatient.close();
    }
  });

  it('passes a WebSocket upgrade through to the cell, with the same header hygiene', async () => {
    const res = (await edge.fetch(`${at(top.echoTenant)}/ws`, {
      headers: {
        upgrade: 'websocket',
        'x-quire-tenant': 'ten_spoofed',
        authorization: `Bearer ${echoToken}`,
      },
    })) as Response & { webSocket: any };
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    expect(ws).toBeTruthy();
    const messages: string[] = [];
    const arrived = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (messages.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    ws.addEventListener('message', (e: { data: string }) => messages.push(String(e.data)));
    ws.accept();
    await arrived(1);
    const hello = JSON.parse(messages[0]!) as { headers: Record<string, string> };
    expect(hello.headers['x-quire-tenant']).toBe(top.echoTenant.tenantId);
    expect(hello.headers['x-quire-edge-assertion']).toBeTruthy();
    ws.send('ping');
    await arrived(2);
    expect(messages[1]).toBe('echo:ping');
    ws.close(1000, 'done');
  });

  it('keeps bodies, tokens, query strings and ids out of its logs', async () => {
    const marker = `BODY-MARKER-${Math.random().toString(36).slice(2)}`;
    const fileMarker = `Secret-Merger-Plan-${Math.random().toString(36).slice(2)}.pdf`;
    const res = await edge.fetch(`${at(top.echoTenant)}/v1/documents?filename=${fileMarker}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${echoToken}`, 'content-type': 'text/plain' },
      body: `${marker} confidential contract text`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).bytes).toBeGreaterThan(0);
    const share = await edge.fetch(`/v1/share/${top.echoTenant.tenantId}.share-secret-part`);
    expect(share.status).toBe(200);
    const last = await edge.fetch('/v1/me', {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    });
    expect(last.status).toBe(401);

    // workerd's stdout reaches us asynchronously: wait for the last request's line.
    const lastId = last.headers.get('x-request-id')!;
    while (!edge.logs.some((l) => l.includes(lastId))) await new Promise((r) => setTimeout(r, 10));
    const all = edge.logs.join('\n');
    expect(edge.logs.length).toBeGreaterThan(3);
    for (const secret of [
      marker,
      fileMarker,
      'filename=',
      echoToken,
      echoToken.split('.')[2]!,
      'share-secret-part',
      'eyJ',
    ]) {
      expect(all.includes(secret), secret).toBe(false);
    }
    // Every line the worker writes is one JSON object (other lines are workerd's own).
    const requestLines = edge.logs
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'request');
    const upload = requestLines.find((l) => l.path === '/v1/documents' && l.method === 'POST');
    expect(upload).toMatchObject({ status: 200, tenant: top.echoTenant.tenantId, cell: 'echo-1' });
    expect(requestLines.find((l) => l.path === '/v1/share/:token')).toBeTruthy();
    for (const line of requestLines) {
      expect(Object.keys(line).sort()).toEqual(
        ['cell', 'event', 'level', 'method', 'ms', 'path', 'requestId', 'status', 'tenant'].sort(),
      );
    }
  });
});
