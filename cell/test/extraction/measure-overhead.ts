/**
 * Not a test: measures what the worker-thread sandbox costs per extraction, for the
 * decision recorded in cell/src/modules/extraction/README.md. Run from the repo root:
 *   node_modules/.bin/node cell/test/extraction/measure-overhead.ts
 * Prints median and p95 per mode for a small text file, a one-page PDF, 4 MB of text and a DOCX:
 *   in-process  — runExtraction() called directly on the main thread (no protection);
 *   pooled      — extractText() through the warm pool (the shipped path);
 *   fresh       — a new Worker per document, terminated after (spawn + imports + parse).
 */
import { Worker } from 'node:worker_threads';
import { closeExtraction, extractText } from '../../src/modules/extraction/extract.ts';
import { DEFAULT_LIMITS } from '../../src/modules/extraction/limits.ts';
import { runExtraction } from '../../src/modules/extraction/worker.ts';
import { MIME, makeDocx, makePdf } from './fixtures.ts';

const ROUNDS = 40;
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
  bigtext: {
    bytes: Buffer.from('Four megabytes of ordinary prose, line after line.\n'.repeat(80_000)),
    contentType: 'text/plain',
    filename: 'b.txt',
    kind: 'text' as const,
  },
  docx: { bytes: await makeDocx(), contentType: MIME.docx, filename: 'd.docx', kind: 'docx' as const },
};

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms`;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up (module imports, JIT)
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

async function fresh(sample: (typeof samples)[keyof typeof samples]): Promise<void> {
  const worker = new Worker(new URL('../../src/modules/extraction/worker.ts', import.meta.url), {
    workerData: { quireSandbox: true },
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { ready?: boolean; ok?: boolean }) => {
      if (!message.ready) resolve();
    });
    worker.on('error', reject);
    const bytes = new Uint8Array(sample.bytes);
    const job = { kind: sample.kind, contentType: sample.contentType, bytes, limits: DEFAULT_LIMITS };
    worker.postMessage({ id: 1, job }, [bytes.buffer]);
  });
  await worker.terminate();
}

for (const [name, sample] of Object.entries(samples)) {
  const inProcess = await time(() =>
    runExtraction({
      kind: sample.kind,
      contentType: sample.contentType,
      bytes: new Uint8Array(sample.bytes),
      limits: DEFAULT_LIMITS,
    }),
  );
  const pooled = await time(() => extractText(sample));
  const spawned = await time(() => fresh(sample));
  console.log(`${name.padEnd(7)} in-process: ${summary(inProcess)}`);
  console.log(`${name.padEnd(7)} pooled:     ${summary(pooled)}`);
  console.log(`${name.padEnd(7)} fresh:      ${summary(spawned)}`);
}
await closeExtraction();
