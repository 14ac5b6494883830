import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImports, parseAllowList, report, unitOf } from '../check-imports.ts';

/** A small src tree on disk: path → file text. */
function tree(files: Record<string, string>): string {
  const src = join(mkdtempSync(join(tmpdir(), 'quire-imports-')), 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

/** One of each: a clean downward import, core → feature, a pair of features both ways, a root. */
const fixture = {
  'app.ts': "import { a } from './modules/a/routes.ts';\nimport { b } from './modules/b/routes.ts';\n",
  'context.ts': "import type { Thing } from './modules/a/types.ts';\nexport type Ctx = Thing;\n",
  'db/client.ts': 'export const db = 1;\n',
  'modules/a/routes.ts': "import { db } from '../../db/client.ts';\nimport { b } from '../b/verbs.ts';\n",
  'modules/a/types.ts': 'export type Thing = string;\n',
  'modules/b/routes.ts': "export { helper } from '../c/helper.ts';\n",
  'modules/b/verbs.ts': "const a = await import('../a/types.ts');\n",
  'modules/c/helper.ts': "import '../../db/client.ts';\nexport const helper = 1;\n",
  'modules/c/helper.test.ts': "import { a } from '../a/routes.ts';\n",
};

describe('check-imports', () => {
  it('names the units: composition roots, core, a feature module and a module folder import', () => {
    expect(unitOf('app.ts')).toBe('root');
    expect(unitOf('deps.ts')).toBe('root');
    expect(unitOf('db/app.ts')).toBe('core');
    expect(unitOf('context.ts')).toBe('core');
    expect(unitOf('modules/search/outbox.ts')).toBe('modules/search');
    expect(unitOf('modules/search')).toBe('modules/search');
    expect(unitOf('modules/index.ts')).toBe('core');
  });

  it('finds core importing a feature and two features importing each other, nothing else', () => {
    const src = tree(fixture);
    const r = checkImports([src], '');
    expect(r.violations.map((v) => v.rule)).toEqual(['core -> modules/a', 'modules/a <-> modules/b']);
    expect(r.violations[0]!.files).toEqual(['context.ts -> modules/a/types.ts']);
    expect(r.violations[1]!.files).toEqual([
      'modules/a/routes.ts -> modules/b/verbs.ts',
      'modules/b/verbs.ts -> modules/a/types.ts',
    ]);
    expect(report(r)).toContain('2 import(s) running the wrong way');
  });

  it('an allow-listed exception passes; one that matches nothing any more fails; a reason is required', () => {
    const src = tree(fixture);
    const allow = [
      '# comments and blank lines are fine',
      '',
      `${src}  core -> modules/a   # context keeps the type until the context split`,
      `${src}  modules/b <-> modules/a   # order inside the pair does not matter`,
    ].join('\n');
    const ok = checkImports([src], allow);
    expect(ok.violations).toEqual([]);
    expect(ok.stale).toEqual([]);
    expect(ok.allowed).toHaveLength(2);
    expect(report(ok)).toBe('imports flow one way (2 allow-listed exception(s))');

    const stale = checkImports([src], `${allow}\n${src}  core -> modules/c   # fixed long ago`);
    expect(stale.stale.map((s) => s.rule)).toEqual(['core -> modules/c']);
    expect(report(stale)).toContain('no longer happens: remove it');

    expect(parseAllowList(`${src}  core -> modules/a`).errors[0]).toContain('needs its reason');
    expect(parseAllowList('nonsense here # why').errors[0]).toContain('expected');
  });

  it('a clean tree flows one way', () => {
    const src = tree({
      'app.ts': "import { a } from './modules/a/routes.ts';\n",
      'db/client.ts': 'export const db = 1;\n',
      'modules/a/routes.ts': "import { db } from '../../db/client.ts';\nimport { b } from '../b/verbs.ts';\n",
      'modules/b/verbs.ts': "import { db } from '../../db/client.ts';\n",
    });
    expect(report(checkImports([src], ''))).toBe('imports flow one way');
  });

  it('runs as a CI step: exit 1 and the list on stderr, exit 0 on a clean tree', () => {
    const script = fileURLToPath(new URL('../check-imports.ts', import.meta.url));
    const run = (src: string) => {
      try {
        return {
          code: 0,
          out: execFileSync(process.execPath, [script, src], { encoding: 'utf8', stdio: 'pipe' }),
        };
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { code: e.status, out: e.stderr };
      }
    };
    const bad = run(tree(fixture));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/core imports modules\/a\n\s+context\.ts -> modules\/a\/types\.ts/);
    const good = run(tree({ 'modules/a/x.ts': "import '../../core.ts';\n", 'core.ts': '' }));
    expect(good).toEqual({ code: 0, out: 'imports flow one way\n' });
  });
});
