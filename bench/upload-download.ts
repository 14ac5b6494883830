/**
 * How long do a 10 MiB upload and download take end to end over HTTP (streamed through
 * envelope encryption to the fs blob store, fsynced), and is every byte returned intact?
 *
 *   node_modules/.bin/node bench/upload-download.ts
 *
 * 30 sequential uploads (POST /v1/documents, file name in Upload-Metadata, raw body), then 30 sequential
 * downloads (GET /v1/documents/{id}/content) of those documents, then the same with 4
 * requests in flight (5 rounds each). Each upload is distinct (its index stamped into the
 * first bytes); the sha256 the cell reports and the sha256 of every download must equal
 * the client's. Design target: p99 < 5 s; aim: p99 < 0.5 s. The HTTP client runs in this
 * process (undici fetch), so its own work is included in the figures.
 */
import { createHash, randomBytes } from 'node:crypto';
import { uploadMetadata } from '../cell/src/modules/documents/upload-metadata.ts';
import { buildTenant } from '../test/support/harness.ts';
import { type BenchDatabase, createBenchDatabase, runBench, startBenchCell } from './lib/setup.ts';
import { fmt, nowMs, summarize, table } from './lib/stats.ts';

const SIZE = 10 * 1024 * 1024;
const SEQUENTIAL = 30;
const CONCURRENCY = 4;
const CONCURRENT_ROUNDS = 5;
const TARGET_P99_MS = 5_000;
const AIM_P99_MS = 500;
/** Per phase: stop starting new requests after this (the phase still reports what it did). */
const PHASE_CAP_MS = 20_000;
const MIB = 1024 * 1024;

let db: BenchDatabase | undefined;
let cell: Awaited<ReturnType<typeof startBenchCell>> | undefined;

interface Uploaded {
  id: string;
  sha256: string;
}

async function main(): Promise<boolean> {
  db = await createBenchDatabase('upload');
  cell = await startBenchCell(db.appUrl);
  const { admin } = await buildTenant(cell);
  const base = randomBytes(SIZE);
  const failures: string[] = [];

  const payload = (i: number) => {
    const body = Buffer.from(base);
    body.write(`quire-bench-upload-${i}-`, 0, 'latin1');
    return { body, sha256: createHash('sha256').update(body).digest('hex') };
  };

  const upload = async (i: number): Promise<{ ms: number; doc?: Uploaded }> => {
    const { body, sha256 } = payload(i);
    const start = nowMs();
    const res = await fetch(`${cell!.url}/v1/documents`, {
      method: 'POST',
      headers: {
        ...admin.headers,
        'content-type': 'application/octet-stream',
        'upload-metadata': uploadMetadata({ filename: `bench-${i}.bin` }),
      },
      body,
    });
    const json = (await res.json()) as {
      document?: { id: string };
      version?: { sha256: string; size: number };
    };
    const ms = nowMs() - start;
    if (res.status !== 201 || !json.document || !json.version) {
      failures.push(`upload ${i}: ${res.status} ${JSON.stringify(json)}`);
      return { ms };
    }
    if (json.version.sha256 !== sha256 || json.version.size !== SIZE)
      failures.push(`upload ${i}: cell reports sha256 ${json.version.sha256} size ${json.version.size}`);
    return { ms, doc: { id: json.document.id, sha256 } };
  };

  const download = async (doc: Uploaded): Promise<number> => {
    const start = nowMs();
    const res = await fetch(`${cell!.url}/v1/documents/${doc.id}/content`, { headers: admin.headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    const ms = nowMs() - start;
    const got = createHash('sha256').update(bytes).digest('hex');
    if (res.status !== 200)
      failures.push(`download ${doc.id}: ${res.status} ${bytes.toString('utf8', 0, 200)}`);
    else if (got !== doc.sha256 || bytes.length !== SIZE)
      failures.push(`download ${doc.id}: sha256 ${got} (${bytes.length} bytes), uploaded ${doc.sha256}`);
    return ms;
  };

  // Warm-up: one round trip each way (JIT, pool, keyring, blob directories).
  const warm = await upload(-1);
  if (warm.doc) await download(warm.doc);

  const phases: { name: string; ms: number[]; wallMs: number; inFlight: number }[] = [];
  const phase = async (
    name: string,
    inFlight: number,
    total: number,
    one: (i: number) => Promise<number>,
  ) => {
    process.stderr.write(`running: ${name} …\n`);
    const ms: number[] = [];
    let next = 0;
    const started = nowMs();
    const lane = async () => {
      while (next < total && nowMs() - started < PHASE_CAP_MS) ms.push(await one(next++));
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    phases.push({ name, ms, wallMs: nowMs() - started, inFlight });
  };

  const docs: Uploaded[] = [];
  const keep = async (i: number) => {
    const r = await upload(i);
    if (r.doc) docs.push(r.doc);
    return r.ms;
  };
  await phase('upload, sequential', 1, SEQUENTIAL, keep);
  const sequentialDocs = [...docs];
  await phase('download, sequential', 1, sequentialDocs.length, (i) => download(sequentialDocs[i]!));
  docs.length = 0;
  await phase(`upload, ${CONCURRENCY} in flight`, CONCURRENCY, CONCURRENCY * CONCURRENT_ROUNDS, (i) =>
    keep(SEQUENTIAL + i),
  );
  const concurrentDocs = [...docs];
  await phase(`download, ${CONCURRENCY} in flight`, CONCURRENCY, concurrentDocs.length, (i) =>
    download(concurrentDocs[i]!),
  );

  console.log(
    `\nupload-download: ${fmt(SIZE / MIB, 0)} MiB per file, fs blob store (fsync) under ${cell.dir}, ` +
      `client (fetch) in the server's process\n`,
  );
  console.log(
    table(
      ['phase', 'n', 'p50 ms', 'p99 ms', 'max ms', 'MiB/s per request (p50)', 'MiB/s aggregate'],
      phases.map((p) => {
        const s = summarize(p.ms);
        return [
          p.name,
          String(s.n),
          s.p50,
          s.p99,
          s.max,
          SIZE / MIB / (s.p50 / 1000),
          (s.n * SIZE) / MIB / (p.wallMs / 1000),
        ];
      }),
    ),
  );
  const worstP99 = Math.max(...phases.map((p) => summarize(p.ms).p99));
  const verified = phases.filter((p) => p.name.startsWith('download')).reduce((n, p) => n + p.ms.length, 0);
  console.log(
    `\nsha256 verified on ${verified} downloads (and on every upload's reported digest): ` +
      `${failures.length === 0 ? 'all equal' : `${failures.length} FAILURES`}`,
  );
  for (const f of failures.slice(0, 10)) console.log(`  ${f}`);
  const short = phases.filter(
    (p) => p.ms.length < (p.inFlight === 1 ? SEQUENTIAL : CONCURRENCY * CONCURRENT_ROUNDS),
  );
  for (const p of short)
    console.log(`  ${p.name}: only ${p.ms.length} requests within the ${PHASE_CAP_MS} ms cap`);
  console.log(
    `worst p99 ${fmt(worstP99, 0)} ms: design target < ${TARGET_P99_MS} ms ${worstP99 < TARGET_P99_MS ? 'met' : 'MISSED'}; ` +
      `aim < ${AIM_P99_MS} ms ${worstP99 < AIM_P99_MS ? 'met' : 'missed'}`,
  );
  return failures.length === 0 && short.length === 0 && worstP99 < TARGET_P99_MS;
}

await runBench(main, async () => {
  await cell?.close();
  await db?.drop();
});
