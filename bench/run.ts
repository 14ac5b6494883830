/**
 * Runs every bench in turn (each makes and drops its own database), passing their output
 * through, and ends with one line per bench. Exit code 1 if any bench failed its checks.
 *
 *   node_modules/.bin/node bench/run.ts [name …]     (or: npm run bench, bash bench/run-all.sh)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  'doc-get',
  'rls-overhead',
  'upload-download',
  'edge-overhead',
  'web',
  'comments',
  'bulk-export',
  'presence',
  'fairness',
  'large-upload',
  'ratelimit',
  'login',
  'offboarding',
  'load',
  'faults',
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BENCHES.includes(w));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (have: ${BENCHES.join(', ')})`);
  process.exit(2);
}

const summary: string[] = [];
for (const name of wanted.length > 0 ? wanted : BENCHES) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    spawn(process.execPath, [file], { stdio: 'inherit' }).once('exit', (c) => resolve(c ?? 1));
  });
  summary.push(`${code === 0 ? 'ok  ' : 'FAIL'} ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
console.log(`\n${summary.join('\n')}`);
process.exit(summary.every((l) => l.startsWith('ok')) ? 0 : 1);
