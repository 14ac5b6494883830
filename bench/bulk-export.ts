/**
 * A bulk export of 10,000 documents: how long does the job take, how much memory does it use at
 * peak, and is every byte in the zip?
 *
 *   node_modules/.bin/node bench/bulk-export.ts [--docs 10000] [--kib 16]
 *
 * Setup writes the documents straight through the cell's content path (envelope-encrypted,
 * fsynced fs blobs, rows in batches) into one folder. The job is created over HTTP
 * (`POST /v1/bulk-jobs`, one folder item expanded to every document) and run in this process
 * (the worker's entry point), sampling RSS and heap every 50 ms. Baseline, in the same run:
 * reading and decrypting the same 10,000 versions one after the other without a zip (the floor
 * of what an export must do). Checks: 10,001 zip entries, the manifest lists every document,
 * the sha256 of 200 sampled files matches.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { runBulkJob } from '../cell/src/modules/bulk/run.ts';
import { readContent } from '../cell/src/modules/documents/content.ts';
import { buildTenant, call } from '../test/support/harness.ts';
import { arg } from './lib/args.ts';
import { seedDocuments } from './lib/seed-documents.ts';
import { type BenchDatabase, createBenchDatabase, loadStack, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, nowMs, table } from './lib/stats.ts';

const DOCS = Number(arg('docs', '10000'));
const KIB = Number(arg('kib', '16'));

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;

/** Peak RSS and heap (MiB) over a phase, sampled every 50 ms, above the phase's starting RSS. */
async function measured<T>(work: () => Promise<T>) {
  global.gc?.();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const t0 = nowMs();
  try {
    const value = await work();
    return {
      value,
      seconds: (nowMs() - t0) / 1000,
      rssStart: start.rss / 2 ** 20,
      rssPeak: peakRss / 2 ** 20,
      heapPeak: peakHeap / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}

function content(i: number): Buffer {
  const line = `Document ${i}: clause ${i % 97} of the master agreement, revision ${i % 13}. `;
  return Buffer.from(line.repeat(Math.ceil((KIB * 1024) / line.length)).slice(0, KIB * 1024));
}

async function main(): Promise<boolean> {
  loadStack();
  db = await createBenchDatabase('bulk_export');
  cell = await startBenchCell(db.appUrl);
  const deps = cell.deps;
  const { admin } = await buildTenant(cell, 'enterprise');
  const tenantId = admin.tenantId;
  const folder = (await call(cell, admin, 'POST', '/v1/folders', { name: 'Export bench' })).body.id as string;

  process.stderr.write(`writing ${DOCS} documents of ${KIB} KiB …\n`);
  const t0 = nowMs();
  const versions = await seedDocuments(deps, {
    tenantId,
    createdBy: admin.userId,
    count: DOCS,
    folderId: folder,
    filename: (i) => `contract-${String(i).padStart(5, '0')}.txt`,
    content,
  });
  const setupSeconds = (nowMs() - t0) / 1000;

  process.stderr.write('baseline: reading every version, no zip …\n');
  const baseline = await measured(async () => {
    let bytes = 0;
    for (const v of versions) {
      await pipeline(
        await readContent(deps, tenantId, v),
        new Writable({
          write(chunk: Buffer, _e, done) {
            bytes += chunk.length;
            done();
          },
        }),
      );
    }
    return bytes;
  });

  process.stderr.write('export job …\n');
  const created = await call(cell, admin, 'POST', '/v1/bulk-jobs', {
    kind: 'export',
    items: [{ type: 'folder', id: folder }],
  });
  if (created.status !== 202) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const job = await measured(() => runBulkJob(deps, { tenantId, jobId: created.body.id }));
  const done = await call(cell, admin, 'GET', `/v1/bulk-jobs/${created.body.id}`);

  process.stderr.write('downloading and checking the zip …\n');
  const res = await fetch(`${cell.url}/v1/bulk-jobs/${created.body.id}/result`, { headers: admin.headers });
  const zip = Buffer.from(await res.arrayBuffer());
  const entries = new Map<string, Buffer>();
  let count = 0;
  const sampleEvery = Math.max(1, Math.floor(DOCS / 200));
  await new Promise<void>((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      z.on('entry', (e: yauzl.Entry) => {
        count += 1;
        if (e.fileName !== 'manifest.json' && count % sampleEvery !== 0) return z.readEntry();
        z.openReadStream(e, (er, s) => {
          if (er || !s) return reject(er);
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => {
            entries.set(e.fileName, Buffer.concat(parts));
            z.readEntry();
          });
        });
      });
      z.on('end', () => resolve());
      z.readEntry();
    });
  });
  const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as {
    files: { path: string; sha256: string }[];
  };
  const byPath = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  let checked = 0;
  let bad = 0;
  for (const [path, buf] of entries) {
    if (path === 'manifest.json') continue;
    checked += 1;
    if (createHash('sha256').update(buf).digest('hex') !== byPath.get(path)) bad += 1;
  }

  const mib = (baseline.value as number) / 2 ** 20;
  console.log(
    `\nbulk-export: ${DOCS} documents of ${KIB} KiB (${fmt(mib, 0)} MiB), fs blob store, local keyring; job run in this process\n`,
  );
  console.log(
    table(
      [
        'phase',
        'seconds',
        'docs/s',
        'MiB/s',
        'RSS start MiB',
        'RSS peak MiB',
        'peak − start MiB',
        'heap peak MiB',
      ],
      [
        [
          'baseline: read + decrypt every version, no zip',
          baseline.seconds,
          DOCS / baseline.seconds,
          mib / baseline.seconds,
          baseline.rssStart,
          baseline.rssPeak,
          baseline.rssPeak - baseline.rssStart,
          baseline.heapPeak,
        ],
        [
          'export job (collect, zip, encrypt, store, audit)',
          job.seconds,
          DOCS / job.seconds,
          mib / job.seconds,
          job.rssStart,
          job.rssPeak,
          job.rssPeak - job.rssStart,
          job.heapPeak,
        ],
      ],
    ),
  );
  console.log(
    `\nsetup: ${fmt(setupSeconds, 1)} s; job: ${done.body.status}, ${done.body.result?.files} files; zip ${fmt(zip.length / 2 ** 20, 1)} MiB, ${count} entries; ` +
      `manifest ${manifest.files.length} files; sha256 checked on ${checked} sampled files, ${bad} mismatched`,
  );
  return (
    done.body.status === 'done' &&
    count === DOCS + 1 &&
    manifest.files.length === DOCS &&
    bad === 0 &&
    checked > 0
  );
}

await runBench(main, async () => {
  await cell?.close();
  await db?.drop();
});
