import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The edge runs in workerd, which has no Node built-ins: everything in shared/src outside
 * shared/src/node/ must stay runtime-neutral (WebCrypto, fetch, no `node:` imports, no Node
 * globals), and so must the edge itself. Reading the imports as text catches a regression
 * at once, before a workerd bundle fails somewhere less obvious.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const NODE_ONLY_PACKAGES = new Set(['postgres', 'ioredis', 'bullmq', 'drizzle-orm']);
const NODE_GLOBALS = /\b(?:process\.|Buffer\b|__dirname|require\()/;

function violations(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    if (spec.startsWith('node:') || NODE_ONLY_PACKAGES.has(pkg)) found.push(`imports ${spec}`);
    if (/(^|\/)node\//.test(spec) && (spec.startsWith('.') || spec.startsWith('@quire/shared/')))
      found.push(`imports the Node-only ${spec}`);
  }
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  if (NODE_GLOBALS.test(code)) found.push(`uses a Node global (${code.match(NODE_GLOBALS)![0]})`);
  return found.map((v) => `${relative(root, file)} ${v}`);
}

describe('runtime-neutral code', () => {
  it('shared/src outside node/ uses no Node built-in, Node-only package or Node global', () => {
    const neutral = files(join(root, 'shared/src')).filter((f) => !f.includes('/shared/src/node/'));
    expect(neutral.length).toBeGreaterThan(5);
    expect(neutral.flatMap(violations)).toEqual([]);
  });

  it('the edge worker imports no Node built-in and nothing Node-only from shared', () => {
    expect(files(join(root, 'edge/src')).flatMap(violations)).toEqual([]);
  });

  it('the checker itself sees a Node import when there is one', () => {
    expect(files(join(root, 'shared/src/node')).flatMap(violations).length).toBeGreaterThan(0);
  });
});
