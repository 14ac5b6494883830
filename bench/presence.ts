/**
 * Live presence at scale, through the edge: 2,000 WebSocket viewers on 200 documents (10 per
 * document), each a browser's worth of client (token as a subprotocol, JSON messages,
 * heartbeats), through workerd (Miniflare) to the tenant's home cell (a real process).
 *
 *   node_modules/.bin/node bench/presence.ts [--viewers 2000] [--documents 200] [--events 400]
 *
 * Prints: connect + join time; join/leave fan-out latency (from one viewer's leave or join to
 * every other viewer of that document holding the new presence), p50/p99/max over every
 * recipient; memory per connection in the cell process and in workerd (RSS growth / viewers).
 * Baseline: the same fan-out measured with 1 viewer per document before the crowd arrives
 * (the latency of one push through Redis and both hops), in the same run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { uploadMetadata } from '../cell/src/modules/documents/upload-metadata.ts';
import { startWorld, untilRouted, type World } from '../test/support/topology.ts';
import { arg } from './lib/args.ts';
import { loadStack, runBench } from './lib/setup.ts';
import { fmt, nowMs, summarize, table } from './lib/stats.ts';

const VIEWERS = Number(arg('viewers', '2000'));
const DOCUMENTS = Number(arg('documents', '200'));
const EVENTS = Number(arg('events', '400'));
/** The standard plan allows 100 users, the admin included. */
const USERS = 90;

let world: World | undefined;
const sockets: WebSocket[] = [];

function rssKb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The workerd processes this bench started (children of this process). */
function workerdPids(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'workerd' && ppid === process.pid) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

interface Viewer {
  ws: WebSocket;
  documentId: string;
  /** Viewers count of the newest presence seen, with its version and arrival time. */
  count: number;
  version: number;
  waiters: { count: number; after: number; done: (at: number) => void }[];
}

async function connect(url: string, token: string, documentId: string): Promise<Viewer> {
  const ws = new WebSocket(url, ['quire.v1', `quire.bearer.${token}`], { headers: { host: 'quire.test' } });
  sockets.push(ws);
  const v: Viewer = { ws, documentId, count: 0, version: 0, waiters: [] };
  let joined: () => void = () => {};
  const isJoined = new Promise<void>((resolve) => {
    joined = resolve;
  });
  ws.on('message', (data) => {
    const at = nowMs();
    const m = JSON.parse(String(data)) as {
      type: string;
      documentId?: string;
      version?: number;
      viewers?: { connections: number }[];
    };
    if (m.type === 'joined') joined();
    if (m.type === 'error') console.error('live error', JSON.stringify(m));
    if (m.type !== 'presence' || m.documentId !== documentId || (m.version ?? 0) < v.version) return;
    v.version = m.version!;
    // Connections (tabs), not people: a user may have several on one document.
    v.count = m.viewers!.reduce((n, x) => n + x.connections, 0);
    for (const w of [...v.waiters]) {
      if (w.count === v.count && at >= w.after) {
        v.waiters.splice(v.waiters.indexOf(w), 1);
        w.done(at);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`handshake ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const beat = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 10_000);
  beat.unref();
  ws.once('close', () => clearInterval(beat));
  ws.send(JSON.stringify({ type: 'join', documentId }));
  await isJoined;
  return v;
}

function until(v: Viewer, count: number, after: number, timeoutMs = 15_000): Promise<number> {
  if (v.count === count) return Promise.resolve(nowMs());
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`presence of ${count} not seen on ${v.documentId}`)),
      timeoutMs,
    );
    v.waiters.push({
      count,
      after,
      done: (at) => {
        clearTimeout(t);
        resolve(at);
      },
    });
  });
}

/** One viewer leaves then rejoins; every other viewer of the document must see each change. */
async function fanOut(byDoc: Map<string, Viewer[]>, events: number, samples: number[]) {
  const docs = [...byDoc.keys()];
  for (let e = 0; e < events; e += 2) {
    const group = byDoc.get(docs[(e * 7) % docs.length]!)!;
    const mover = group[e % group.length]!;
    const others = group.filter((v) => v !== mover);
    const n = group.length;
    let t0 = nowMs();
    let waits = others.map((o) => until(o, n - 1, t0));
    mover.ws.send(JSON.stringify({ type: 'leave', documentId: mover.documentId }));
    for (const at of await Promise.all(waits)) samples.push(at - t0);
    t0 = nowMs();
    waits = others.map((o) => until(o, n, t0));
    const back = until(mover, n, t0);
    mover.ws.send(JSON.stringify({ type: 'join', documentId: mover.documentId }));
    for (const at of await Promise.all(waits)) samples.push(at - t0);
    await back;
  }
}

async function main(): Promise<boolean> {
  loadStack();
  // The plan's rate limits (1,000 calls a minute on the standard plan) would refuse this load;
  // what is measured here is not the limiter (bench/ratelimit.ts measures it), so it is off.
  world = await startWorld({
    name: 'bench_presence',
    redisDbs: [14, 15],
    refreshSeconds: 600,
    cellEnv: { RATE_LIMIT_ENABLED: 'false' },
  });
  const t = await world.provision({ slug: 'presence-us', region: 'us' });
  await untilRouted(world, 'presence-us');
  const adminToken = await world.login('presence-us', t.email, t.password);
  const api = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const res = await world!.edge.fetch(`http://quire.test${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  process.stderr.write(`setting up ${USERS} users, ${DOCUMENTS} documents …\n`);
  const folder = await api('POST', '/v1/folders', { name: 'Presence bench' });
  const group = await api('POST', '/v1/groups', { name: 'Viewers' });
  await api('POST', '/v1/grants', {
    resourceType: 'folder',
    resourceId: folder.id,
    principalType: 'group',
    principalId: group.id,
    role: 'viewer',
  });
  const tokens: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const email = `viewer${u}@presence.example`;
    const user = await api('POST', '/v1/users', {
      email,
      name: `Viewer ${u}`,
      role: 'viewer',
      password: 'a long enough password',
    });
    await api('PUT', `/v1/groups/${group.id}/members/${user.id}`);
    tokens.push(await world.login('presence-us', email, 'a long enough password'));
  }
  const docs: string[] = [];
  for (let d = 0; d < DOCUMENTS; d++) {
    const res = await world.edge.fetch(`http://quire.test/v1/documents?folderId=${folder.id}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': 'text/plain',
        'upload-metadata': uploadMetadata({ filename: `doc${d}.txt` }),
      },
      body: `presence bench document ${d}`,
    });
    docs.push(((await res.json()) as { document: { id: string } }).document.id);
  }
  const wsUrl = `${world.edge.url.replace('http', 'ws')}/v1/live`;
  const cellPid = world.topology.cells.get('us-1')!.child!.pid!;
  const workerd = workerdPids();

  // Baseline: one viewer per document, before the crowd.
  const single = new Map<string, Viewer[]>();
  for (let d = 0; d < 20; d++)
    single.set(docs[d]!, [
      await connect(wsUrl, tokens[d % USERS]!, docs[d]!),
      await connect(wsUrl, tokens[(d + 1) % USERS]!, docs[d]!),
    ]);
  for (const [, vs] of single) for (const v of vs) await until(v, 2, 0);
  const baseline: number[] = [];
  await fanOut(single, 100, baseline);
  for (const [, vs] of single) for (const v of vs) v.ws.close();
  await new Promise((r) => setTimeout(r, 1_000));

  const cellBefore = rssKb(cellPid);
  const workerdBefore = workerd.reduce((s, p) => s + rssKb(p), 0);
  process.stderr.write(`connecting ${VIEWERS} viewers through the edge …\n`);
  const connectMs: number[] = [];
  const viewers: Viewer[] = [];
  const started = nowMs();
  for (let i = 0; i < VIEWERS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, VIEWERS - i) }, async (_, k) => {
        const n = i + k;
        const t0 = nowMs();
        const v = await connect(wsUrl, tokens[n % USERS]!, docs[n % DOCUMENTS]!);
        connectMs.push(nowMs() - t0);
        return v;
      }),
    );
    viewers.push(...batch);
  }
  const connectSeconds = (nowMs() - started) / 1000;
  const byDoc = new Map<string, Viewer[]>();
  for (const v of viewers) byDoc.set(v.documentId, [...(byDoc.get(v.documentId) ?? []), v]);
  const perDoc = VIEWERS / DOCUMENTS;
  for (const v of viewers) await until(v, perDoc, 0, 60_000);
  await new Promise((r) => setTimeout(r, 2_000));
  const cellAfter = rssKb(cellPid);
  const workerdAfter = workerd.reduce((s, p) => s + rssKb(p), 0);

  process.stderr.write(`measuring fan-out over ${EVENTS} joins and leaves …\n`);
  const samples: number[] = [];
  await fanOut(byDoc, EVENTS, samples);
  const open = viewers.filter((v) => v.ws.readyState === WebSocket.OPEN).length;

  const c = summarize(connectMs);
  const f = summarize(samples);
  const b = summarize(baseline);
  console.log(
    `\npresence: ${VIEWERS} WebSocket viewers on ${DOCUMENTS} documents (${perDoc} each), ${USERS} users, through the edge (workerd) to cell us-1; Redis pub/sub\n`,
  );
  console.log(
    table(
      ['measure', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['connect + join (handshake, auth, authorised and audited join)', String(c.n), c.p50, c.p99, c.max],
        [
          `join/leave fan-out, ${perDoc} viewers per document (each recipient)`,
          String(f.n),
          f.p50,
          f.p99,
          f.max,
        ],
        ['baseline: fan-out with 2 viewers per document, no crowd', String(b.n), b.p50, b.p99, b.max],
      ],
    ),
  );
  console.log(
    `\nconnected ${VIEWERS} in ${fmt(connectSeconds, 1)} s; still open at the end: ${open}\n` +
      `memory per connection: cell process ${fmt(((cellAfter - cellBefore) * 1024) / VIEWERS / 1024, 1)} KiB (RSS ${fmt(cellBefore / 1024, 0)} → ${fmt(cellAfter / 1024, 0)} MiB); ` +
      `workerd ${fmt(((workerdAfter - workerdBefore) * 1024) / VIEWERS / 1024, 1)} KiB (RSS ${fmt(workerdBefore / 1024, 0)} → ${fmt(workerdAfter / 1024, 0)} MiB, ${workerd.length} process)`,
  );
  return open === VIEWERS;
}

await runBench(main, async () => {
  for (const ws of sockets) ws.terminate();
  await world?.close();
});
