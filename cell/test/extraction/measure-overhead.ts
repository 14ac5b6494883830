/**
 * Not a test: measures what isolating the parsers costs per document, for the decision in
 * cell/src/modules/extraction/README.md. Run from the repo root:
 *   node_modules/.bin/node cell/test/extraction/measure-overhead.ts
 * Prints median and p95 (ms) per mode for a small text file, a one-page PDF, a DOCX and 4 MB of text:
 *   in-process — runExtraction() on the main thread (no isolation at all);
 *   thread     — a warm worker_threads Worker (the alternative we measured and rejected);
 *   process    — extractText() through the warm child-process pool (what ships);
 *   fresh      — a new child process per document (spawn + imports + parse + exit).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { closeExtraction, extractText } from '../../src/modules/extraction/extract.ts';
import { DEFAULT_LIMITS } from '../../src/modules/extraction/limits.ts';
import { type ExtractJob, runExtraction } from '../../src/modules/extraction/worker.ts';
import { MIME, makeDocx, makePdf } from './fixtures.ts';

const ROUNDS = 30;
const workerModule = new URL('../../src/modules/extraction/worker.ts', import.meta.url);
const samples = {
  text: {
    bytes: Buffer.from('A short note about the quarterly numbers. '.repeat(50)),
    contentType: 'text/plain',
    filename: 'n.txt',
    kind: 'text' as const,
  },
  pdf: {
    bytes: await makePdf([['A one-page PDF with a few words on it.']]),
    contentType: MIME.pdf,
    filename: 'p.pdf',
    kind: 'pdf' as const,
  },
  docx: { bytes: await makeDocx(), contentType: MIME.docx, filename: 'd.docx', kind: 'docx' as const },
  bigtext: {
    bytes: Buffer.from('Four megabytes of ordinary prose, line after line.\n'.repeat(80_000)),
    contentType: 'text/plain',
    filename: 'b.txt',
    kind: 'text' as const,
  },
};
type Sample = (typeof samples)[keyof typeof samples];
const jobOf = (s: Sample): ExtractJob => ({
  kind: s.kind,
  contentType: s.contentType,
  bytes: s.bytes,
  limits: DEFAULT_LIMITS,
});

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `${at(0.5).toFixed(2).padStart(8)} ${at(0.95).toFixed(2).padStart(8)}`;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up (imports, JIT)
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

// A warm worker thread running the same runExtraction.
const thread = new Worker(
  `const { parentPort } = require('node:worker_threads');
   import(${JSON.stringify(workerModule.href)}).then(({ runExtraction }) => {
     parentPort.on('message', async (job) => parentPort.postMessage(await runExtraction(job)));
     parentPort.postMessage('ready');
   });`,
  { eval: true },
);
await new Promise((resolve) => thread.once('message', resolve));
const viaThread = (s: Sample) =>
  new Promise((resolve) => {
    thread.once('message', resolve);
    thread.postMessage(jobOf(s));
  });

async function freshProcess(s: Sample): Promise<void> {
  const child = fork(fileURLToPath(workerModule), [], {
    env: { QUIRE_SANDBOX_CHILD: '1', PATH: process.env.PATH ?? '' },
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean }) => {
      if (!message.ready) resolve();
    });
    child.on('error', reject);
    child.send({ id: 1, job: jobOf(s) });
  });
  child.kill('SIGKILL');
}

console.log('document  mode          median      p95   (ms)');
for (const [name, sample] of Object.entries(samples)) {
  const rows: Array<[string, number[]]> = [
    ['in-process', await time(() => runExtraction(jobOf(sample)))],
    ['thread', await time(() => viaThread(sample))],
    ['process', await time(() => extractText(sample))],
    ['fresh', await time(() => freshProcess(sample))],
  ];
  for (const [mode, times] of rows) console.log(`${name.padEnd(9)} ${mode.padEnd(11)} ${summary(times)}`);
}
await thread.terminate();
await closeExtraction();
