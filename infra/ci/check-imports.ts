/**
 * `node infra/ci/check-imports.ts <src>...` — keeps imports flowing one way (STYLE.md, "One
 * direction of imports"), the rule `/work/shared/hooks/module-cycles` checks by hand, as a CI
 * gate that exits 1 with a readable list.
 *
 * Units: the feature modules are the folders directly under `<src>/modules/`; the composition
 * roots (`app.ts`, `server.ts`, `worker.ts`, `background.ts`, `deps.ts` at the top of `<src>`)
 * wire features together and may import anything; everything else under `<src>` is core.
 * Core may not import a feature module, and two feature modules may not import each other.
 * Relative imports are read as text (`import`/`export … from`, side-effect `import '…'`,
 * dynamic `import('…')`), type-only imports included: a type import still couples the two.
 *
 * Known exceptions live in `import-allow-list.txt` beside this file, each with its reason;
 * an entry that no longer matches anything fails the check too, so the list only shrinks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOTS = new Set(['app.ts', 'server.ts', 'worker.ts', 'background.ts', 'deps.ts']);
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export const DEFAULT_ALLOW_LIST = join(dirname(fileURLToPath(import.meta.url)), 'import-allow-list.txt');

/** `root`, `core` or `modules/<name>` for a path relative to the src folder. */
export function unitOf(relPath: string): string {
  const parts = relPath.split(sep).join('/').split('/');
  if (parts.length === 1 && ROOTS.has(parts[0]!)) return 'root';
  // `modules/x/…` is feature x; `modules/x` without an extension is an import of its folder.
  if (parts[0] === 'modules' && (parts.length > 2 || (parts.length === 2 && !/\.[cm]?tsx?$/.test(parts[1]!))))
    return `modules/${parts[1]}`;
  return 'core';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !/\.(test|d)\.ts$/.test(e.name) ? [path] : [];
  });
}

/** Every import from one unit into another: `from -> to` with the files that make it. */
export function scanImports(src: string): Map<string, string[]> {
  const root = resolve(src);
  const edges = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const from = unitOf(relative(root, file));
    if (from === 'root') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), (m[1] ?? m[2] ?? m[3])!));
      const rel = relative(root, target);
      if (rel.startsWith('..')) continue;
      const to = unitOf(rel);
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      const why = `${relative(root, file)} -> ${rel}`.split(sep).join('/');
      const known = edges.get(key) ?? [];
      if (!known.includes(why)) edges.set(key, [...known, why]);
    }
  }
  return edges;
}

export interface Violation {
  src: string;
  /** `core -> modules/x` or `modules/a <-> modules/b` (names sorted): the allow-list key. */
  rule: string;
  files: string[];
}

/** Core importing a feature, and pairs of features importing each other. */
export function findViolations(src: string): Violation[] {
  const edges = scanImports(src);
  const found: Violation[] = [];
  for (const [key, files] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
    const [from, to] = key.split(' -> ') as [string, string];
    if (from === 'core' && to !== 'core') found.push({ src, rule: key, files });
    if (from === 'core' || to === 'core' || from > to) continue;
    const back = edges.get(`${to} -> ${from}`);
    if (back) found.push({ src, rule: `${from} <-> ${to}`, files: [...files, ...back] });
  }
  return found;
}

export interface AllowEntry {
  src: string;
  rule: string;
  reason: string;
  line: number;
}

/**
 * The allow-list: `<src>  <rule>  # reason` per line, `#` lines are comments. An entry with
 * no reason is refused: an exception nobody can explain is a bug.
 */
export function parseAllowList(text: string): { entries: AllowEntry[]; errors: string[] } {
  const entries: AllowEntry[] = [];
  const errors: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const hash = line.indexOf('#');
    const reason = hash < 0 ? '' : line.slice(hash + 1).trim();
    const body = (hash < 0 ? line : line.slice(0, hash)).trim();
    const m = body.match(/^(\S+)\s+(core -> modules\/[\w.-]+|modules\/[\w.-]+ <-> modules\/[\w.-]+)$/);
    if (!m) {
      errors.push(
        `line ${i + 1}: expected "<src> core -> modules/x" or "<src> modules/a <-> modules/b": ${line}`,
      );
      continue;
    }
    if (!reason) {
      errors.push(`line ${i + 1}: an exception needs its reason after '#': ${line}`);
      continue;
    }
    const pair = m[2]!.split(' <-> ');
    const rule = pair.length === 2 ? pair.sort().join(' <-> ') : m[2]!;
    entries.push({ src: normalize(m[1]!).replace(/\/$/, ''), rule, reason, line: i + 1 });
  }
  return { entries, errors };
}

export interface CheckResult {
  violations: Violation[];
  allowed: Violation[];
  /** Allow-list entries for a scanned src that match nothing any more. */
  stale: AllowEntry[];
  errors: string[];
}

export function checkImports(srcs: string[], allowListText: string): CheckResult {
  const { entries, errors } = parseAllowList(allowListText);
  const scanned = srcs.map((s) => normalize(s).replace(/\/$/, ''));
  const all = scanned.flatMap((src) => findViolations(src));
  const isAllowed = (v: Violation) => entries.some((e) => e.src === v.src && e.rule === v.rule);
  const stale = entries.filter(
    (e) => scanned.includes(e.src) && !all.some((v) => v.src === e.src && v.rule === e.rule),
  );
  return { violations: all.filter((v) => !isAllowed(v)), allowed: all.filter(isAllowed), stale, errors };
}

export function report(r: CheckResult): string {
  const lines: string[] = [];
  for (const e of r.errors) lines.push(`allow-list: ${e}`);
  for (const v of r.violations) {
    lines.push(`${v.src}: ${v.rule.startsWith('core') ? v.rule.replace(' -> ', ' imports ') : v.rule}`);
    for (const f of v.files.slice(0, 6)) lines.push(`    ${f}`);
    if (v.files.length > 6) lines.push(`    … and ${v.files.length - 6} more`);
  }
  for (const s of r.stale)
    lines.push(`allow-list line ${s.line}: "${s.src} ${s.rule}" no longer happens: remove it`);
  const bad = r.violations.length + r.stale.length + r.errors.length;
  if (bad === 0) {
    lines.push(
      `imports flow one way${r.allowed.length ? ` (${r.allowed.length} allow-listed exception(s))` : ''}`,
    );
  } else {
    lines.push(
      `${r.violations.length} import(s) running the wrong way: core imports no feature module, and two`,
      'feature modules never import each other (move the shared piece down into core or a lower module;',
      'see STYLE.md "One direction of imports"; known exceptions: infra/ci/import-allow-list.txt)',
    );
  }
  return lines.join('\n');
}

function main(argv: string[]): number {
  const srcs = argv.length ? argv : ['control-plane/src', 'cell/src'];
  for (const src of srcs) {
    if (!existsSync(src)) {
      process.stderr.write(`check-imports: no such folder: ${src}\n`);
      return 2;
    }
  }
  const allowList = existsSync(DEFAULT_ALLOW_LIST) ? readFileSync(DEFAULT_ALLOW_LIST, 'utf8') : '';
  const result = checkImports(srcs, allowList);
  const ok = result.violations.length + result.stale.length + result.errors.length === 0;
  (ok ? process.stdout : process.stderr).write(`${report(result)}\n`);
  return ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
