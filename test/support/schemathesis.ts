import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs schemathesis (the pinned CLI infra/local/install.sh puts in `.local/venv`) against one
 * served OpenAPI document and reads what it found from its NDJSON report: one failure per
 * (operation, check), and every error of the engine itself (a crash is not a pass).
 */

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The CLI; QUIRE_SCHEMATHESIS points elsewhere. */
export const SCHEMATHESIS = process.env.QUIRE_SCHEMATHESIS ?? join(root, '.local/venv/bin/schemathesis');

export interface FuzzRun {
  /** Names the run in the exceptions file and the summary: `cell-direct`, `control-plane`, … */
  name: string;
  /** The document: a URL, or a file (then `baseUrl` says where to send requests). */
  schema: string;
  baseUrl?: string;
  /** schemathesis.toml: authentication (`[auth.*]`) and pinned parameters. */
  config: string;
  /** Files the config names (a WFC auth document), written beside it. */
  files?: Record<string, string>;
  /** More CLI arguments: operation filters, headers. */
  args?: string[];
}

export interface FuzzBudget {
  maxExamples: number;
  seed: string;
}

export interface Finding {
  run: string;
  /** `METHOD /path`, or `Stateful tests` when schemathesis could not tell. */
  operation: string;
  /** The check's name (`positive_data_acceptance`), or `error` for an engine error. */
  check: string;
  code: string;
  title: string;
  message: string;
  /** The failing request's path and query, when the report has it. */
  url: string;
}

export interface FuzzResult {
  findings: Finding[];
  exitCode: number | null;
  seconds: number;
  /** Operations (and stateful scenarios) tested, test cases generated. */
  tested: number;
  generated: number;
  output: string;
}

export function assertInstalled(): void {
  if (!existsSync(SCHEMATHESIS))
    throw new Error(
      `schemathesis is not installed (${SCHEMATHESIS}): run \`bash infra/local/install.sh\` (or \`npm test\`)`,
    );
}

/** Runs one document; `dir` receives the config, the report and the CLI's working files. */
export async function runSchemathesis(run: FuzzRun, budget: FuzzBudget, dir: string): Promise<FuzzResult> {
  const work = join(dir, run.name);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'schemathesis.toml'), run.config, { mode: 0o600 });
  for (const [name, text] of Object.entries(run.files ?? {}))
    writeFileSync(join(work, name), text, { mode: 0o600 });
  const args = [
    '--config-file',
    'schemathesis.toml',
    'run',
    run.schema,
    ...(run.baseUrl ? ['--url', run.baseUrl] : []),
    '--checks',
    'all',
    '--max-examples',
    String(budget.maxExamples),
    '--seed',
    budget.seed,
    // One worker: CPython 3.11 before 3.11.8 can crash building ASTs in two threads at once
    // (hypothesis describes lambdas that way); and the cells have two cores to share anyway.
    '--workers',
    '1',
    '--generation-database',
    'none',
    '--report',
    'ndjson',
    '--report-dir',
    'report',
    '--no-color',
    ...(run.args ?? []),
  ];
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done, fail) => {
    const child = spawn(SCHEMATHESIS, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.once('error', fail);
    child.once('close', (exit) => done({ code: exit, output: text }));
  });
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(join(work, 'output.txt'), output);
  const reportDir = join(work, 'report');
  const ndjson = existsSync(reportDir)
    ? readdirSync(reportDir).find((f) => f.endsWith('.ndjson'))
    : undefined;
  if (!ndjson) throw new Error(`schemathesis wrote no report for ${run.name} (exit ${code}):\n${output}`);
  return {
    ...readReport(run.name, readFileSync(join(reportDir, ndjson), 'utf8')),
    exitCode: code,
    seconds,
    output,
  };
}

type Event = Record<string, Record<string, unknown>>;

/** Findings (one per failing request and check) and the counts, from an NDJSON report. */
export function readReport(run: string, ndjson: string) {
  const findings = new Map<string, Finding>();
  const add = (f: Finding) => findings.set(`${f.operation} ${f.check} ${f.url}`, f);
  const operations = new Set<string>();
  let generated = 0;
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as Event;
    const [type, body] = Object.entries(event)[0]!;
    if (type === 'ScenarioFinished') {
      const recorder = body.recorder as {
        label: string;
        cases: Record<string, unknown>;
        checks: Record<string, { name: string; status: string; failure_info?: { failure?: FailureInfo } }[]>;
        interactions?: Record<string, { request?: { uri?: string } }>;
      };
      generated += Object.keys(recorder.cases ?? {}).length;
      operations.add(recorder.label);
      for (const [caseId, checks] of Object.entries(recorder.checks ?? {}))
        for (const check of checks) {
          if (check.status !== 'failure') continue;
          const failure = check.failure_info?.failure;
          add({
            run,
            operation: failure?.operation ?? recorder.label,
            check: check.name,
            code: failure?.code ?? '',
            title: failure?.title ?? '',
            message: failure?.message ?? '',
            url: pathOf(recorder.interactions?.[caseId]?.request?.uri),
          });
        }
    } else if (type === 'NonFatalError' || type === 'FatalError') {
      const info = body as { label?: string; info?: { message?: string; title?: string } };
      add({
        run,
        operation: info.label ?? '(engine)',
        check: 'error',
        code: 'error',
        title: info.info?.title ?? type,
        message: info.info?.message ?? JSON.stringify(body).slice(0, 500),
        url: '',
      });
    }
  }
  return { findings: [...findings.values()], tested: operations.size, generated };
}

const pathOf = (uri: string | undefined) => {
  if (!uri) return '';
  const url = new URL(uri);
  return `${url.pathname}${url.search}`;
};

interface FailureInfo {
  operation?: string;
  code?: string;
  title?: string;
  message?: string;
}

/** An accepted finding: which run, operation and check, and why it is not a defect to fix now. */
export interface FuzzException {
  runs: string[];
  /** `METHOD /path`, or `*` for any (then `urlContains` must narrow it). */
  operation: string;
  check: string;
  /** Only failing requests whose path or query contains this. */
  urlContains?: string;
  reason: string;
}

/** An operation left out of a run, and why. */
export interface FuzzExclusion {
  runs: string[];
  operation: string;
  reason: string;
}

export interface ExceptionsFile {
  exceptions: FuzzException[];
  excluded: FuzzExclusion[];
}

export function readExceptions(path: string): ExceptionsFile {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<ExceptionsFile>;
  const all = [...(file.exceptions ?? []), ...(file.excluded ?? [])];
  for (const e of all)
    if (!e.reason || e.reason.trim().length < 20 || !Array.isArray(e.runs) || !e.operation)
      throw new Error(`${path}: every entry names its runs and operation and says why: ${JSON.stringify(e)}`);
  for (const e of file.exceptions ?? [])
    if (!e.check || (e.operation === '*' && !e.urlContains))
      throw new Error(
        `${path}: an exception names its check, and narrows '*' with urlContains: ${JSON.stringify(e)}`,
      );
  return { exceptions: file.exceptions ?? [], excluded: file.excluded ?? [] };
}

/** CLI arguments leaving out the operations excluded from this run. */
export function exclusionArgs(file: ExceptionsFile, run: string): string[] {
  return file.excluded.filter((e) => e.runs.includes(run)).flatMap((e) => ['--exclude-name', e.operation]);
}

/**
 * The findings no exception covers (one per operation and check), and the exceptions nothing
 * matched (stale, or not reached this time).
 */
export function judge(findings: Finding[], file: ExceptionsFile) {
  const covers = (e: FuzzException, f: Finding) =>
    e.runs.includes(f.run) &&
    (e.operation === '*' || e.operation === f.operation) &&
    e.check === f.check &&
    (e.urlContains === undefined || f.url.includes(e.urlContains));
  const unexpected = new Map<string, Finding>();
  for (const f of findings)
    if (!file.exceptions.some((e) => covers(e, f))) unexpected.set(`${f.operation} ${f.check}`, f);
  return {
    unexpected: [...unexpected.values()],
    unused: file.exceptions.filter((e) => !findings.some((f) => covers(e, f))),
  };
}
