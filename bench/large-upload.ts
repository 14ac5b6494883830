/**
 * A 500 MB resumable upload (tus 1.0) through the edge, broken off once at 50 %: how long does
 * it take end to end, what is the peak memory (RSS) of the edge (workerd) and of the cell, and
 * is the document byte-identical?
 *
 *   node_modules/.bin/node bench/large-upload.ts [--mb 500] [--chunk-mb 100]
 *
 * The whole topology (test/support/topology.ts: control plane and two cells as processes, the
 * edge in workerd), one tenant on the standard plan with a per-tenant override of its max file
 * size to 500 MB (an ops change through the control plane, as sales would make it). The client
 * is a plain fetch tus client: POST (Upload-Length, Upload-Metadata), then PATCHes of
 * `--chunk-mb` (as tus clients send them, so no request outlives the edge's upstream timeout);
 * at 50 % the body fails mid-request (a dropped connection), the client HEADs for the offset
 * and resumes from there. Baseline in the same run: the same bytes downloaded back through the
 * edge (sha256 compared), and the bytes the interruption cost (sent twice).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { startWorld, untilRouted, type World } from '../test/support/topology.ts';
import { arg } from './lib/args.ts';
import { loadStack, runBench } from './lib/setup.ts';
import { fmt, nowMs, table } from './lib/stats.ts';

const MB = Number(arg('mb', '500'));
const CHUNK = Number(arg('chunk-mb', '100')) * 1024 * 1024;
const TOTAL = MB * 1000 * 1000;
const SLICE = 1024 * 1024;
const KEY = Buffer.alloc(32, 7);

let world: World | undefined;

/** Deterministic bytes at any offset (AES-256-CTR keystream over zeros): resumable without holding 500 MB. */
function bytesAt(offset: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8);
  const skip = offset % 16;
  const c = createCipheriv('aes-256-ctr', KEY, iv);
  return c.update(Buffer.alloc(length + skip)).subarray(skip);
}

function stream(from: number, to: number, failAt?: number): ReadableStream<Uint8Array> {
  let at = from;
  return new ReadableStream({
    pull(controller) {
      if (failAt !== undefined && at >= failAt) return controller.error(new Error('connection dropped'));
      if (at >= to) return controller.close();
      const n = Math.min(SLICE, to - at);
      controller.enqueue(bytesAt(at, n));
      at += n;
    },
  });
}

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
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

async function main(): Promise<boolean> {
  loadStack();
  world = await startWorld({ name: 'bench_bigup', redisDbs: [4, 5], refreshSeconds: 600 });
  const t = await world.provision({ slug: 'bigup-us', region: 'us' });
  const plan = await world.topology.admin('PUT', '/v1/admin/tenants/bigup-us/plan', {
    plan: 'standard',
    overrides: { maxFileSizeMb: 500 },
  });
  if (plan.status !== 200) throw new Error(`override: ${plan.status} ${JSON.stringify(plan.body)}`);
  await untilRouted(world, 'bigup-us');
  const token = await world.login('bigup-us', t.email, t.password);
  const base = 'http://bigup-us.quire.test';
  const auth = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
  const cellPid = world.topology.cells.get('us-1')!.child!.pid!;
  const edgePids = workerdPids();

  // The cell pulls the override with its config (heartbeat 1 s): create once it is in force.
  let location = '';
  const t0 = nowMs();
  for (let tries = 0; !location; tries++) {
    const res = await world.edge.fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: {
        ...auth,
        'upload-length': String(TOTAL),
        'upload-metadata': `filename ${Buffer.from('quarterly archive.bin').toString('base64')}`,
      },
    });
    if (res.status === 201) location = res.headers.get('location')!;
    else if (res.status !== 413 || tries > 100) throw new Error(`create: ${res.status} ${await res.text()}`);
    else await new Promise((r) => setTimeout(r, 200));
  }
  const created = nowMs();

  const peaks = { cell: rssKb(cellPid), edge: Math.max(...edgePids.map((p) => rssKb(p))) };
  const before = { ...peaks };
  const sampler = setInterval(() => {
    peaks.cell = Math.max(peaks.cell, rssKb(cellPid));
    peaks.edge = Math.max(peaks.edge, ...edgePids.map((p) => rssKb(p)));
  }, 50);

  let offset = 0;
  let sent = 0;
  let interrupted = false;
  let documentId = '';
  const breakAt = Math.floor(TOTAL / 2);
  while (!documentId) {
    const end = Math.min(TOTAL, offset + CHUNK);
    const fail = !interrupted && offset < breakAt && end > breakAt ? breakAt : undefined;
    const res = await world.edge
      .fetch(`${base}${location}`, {
        method: 'PATCH',
        headers: {
          ...auth,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: stream(offset, end, fail),
        duplex: 'half',
      } as RequestInit)
      .catch(() => undefined);
    sent += (fail ?? end) - offset;
    if (fail !== undefined) {
      interrupted = true;
      // Resume from what the cell acknowledged (HEAD), as a tus client does.
      const head = await world.edge.fetch(`${base}${location}`, { method: 'HEAD', headers: auth });
      offset = Number(head.headers.get('upload-offset'));
      console.log(
        `interrupted at ${fmt(breakAt / 1e6, 0)} MB; the cell had acknowledged ${fmt(offset / 1e6, 1)} MB: resuming there`,
      );
      continue;
    }
    if (res?.status !== 204) throw new Error(`PATCH at ${offset}: ${res?.status} ${await res?.text()}`);
    offset = Number(res.headers.get('upload-offset'));
    documentId = res.headers.get('quire-document-id') ?? '';
  }
  const uploaded = nowMs();
  clearInterval(sampler);

  // Baseline: the same bytes back through the edge, hashed as they stream.
  const expected = createHash('sha256');
  for (let at = 0; at < TOTAL; at += 8 * SLICE) expected.update(bytesAt(at, Math.min(8 * SLICE, TOTAL - at)));
  const d0 = nowMs();
  const download = await world.edge.fetch(`${base}/v1/documents/${documentId}/content`, { headers: auth });
  const got = createHash('sha256');
  let size = 0;
  for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
    got.update(chunk);
    size += chunk.length;
  }
  const downloaded = nowMs();
  const identical = size === TOTAL && got.digest('hex') === expected.digest('hex');

  const s = (ms: number) => fmt(ms / 1000, 1);
  console.log(
    table(
      ['phase', 'seconds', 'MB/s'],
      [
        ['create (until the 500 MB override was in force)', s(created - t0), '-'],
        [
          `upload ${MB} MB, one interruption at 50 %`,
          s(uploaded - created),
          fmt(TOTAL / 1e6 / ((uploaded - created) / 1000), 1),
        ],
        [
          `download ${MB} MB (baseline)`,
          s(downloaded - d0),
          fmt(TOTAL / 1e6 / ((downloaded - d0) / 1000), 1),
        ],
      ],
    ),
  );
  console.log(
    table(
      ['process', 'RSS before (MiB)', 'peak RSS during upload (MiB)', 'growth (MiB)', 'VmHWM at end (MiB)'],
      [
        [
          'cell us-1 (API)',
          fmt(before.cell / 1024, 0),
          fmt(peaks.cell / 1024, 0),
          fmt((peaks.cell - before.cell) / 1024, 0),
          fmt(rssKb(cellPid, 'VmHWM') / 1024, 0),
        ],
        [
          'edge (workerd)',
          fmt(before.edge / 1024, 0),
          fmt(peaks.edge / 1024, 0),
          fmt((peaks.edge - before.edge) / 1024, 0),
          fmt(Math.max(...edgePids.map((p) => rssKb(p, 'VmHWM'))) / 1024, 0),
        ],
      ],
    ),
  );
  console.log(
    `bytes sent: ${fmt(sent / 1e6, 1)} MB for ${fmt(TOTAL / 1e6, 0)} MB (the interruption cost ${fmt((sent - TOTAL) / 1e6, 1)} MB); ` +
      `download byte-identical (sha256): ${identical}`,
  );
  return identical && interrupted;
}

await runBench(main, async () => {
  await world?.close();
});
