import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * The web app in a real browser for tests and benchmarks: the app and the ops page built once
 * per process with Vite (into a temp folder, so parallel test files never share a build), and
 * Debian's Chromium driven by playwright-core (no browser download). Screenshots go to
 * test-results/ (git-ignored, kept by CI as artifacts); `axe` runs axe-core on a page.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

export const CHROMIUM = process.env.QUIRE_CHROMIUM ?? '/usr/bin/chromium';
/** What Chromium needs on these machines (closed network, root, no GPU): see infra/local/README.md. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface WebBuild {
  /** web/dist/app equivalent: the edge's static assets. */
  app: string;
  /** web/dist/ops equivalent: the control plane's ADMIN_UI_DIR. */
  ops: string;
}

let built: Promise<WebBuild> | null = null;

/** `vite build` of the app and the ops page, once per process, into a fresh temp folder. */
export function buildWeb(): Promise<WebBuild> {
  built ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'quire-web-'));
    const vite = join(root, 'web/node_modules/vite/bin/vite.js');
    const build = (config: string, dir: string) =>
      run(
        process.execPath,
        [vite, 'build', '--config', config, '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'],
        {
          cwd: join(root, 'web'),
        },
      );
    await build('vite.config.ts', join(out, 'app'));
    await build('vite.ops.config.ts', join(out, 'ops'));
    return { app: join(out, 'app'), ops: join(out, 'ops') };
  })();
  return built;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A fresh context (cookies, storage) per person; English, a desktop window, Berlin time unless told. */
export function newContext(
  browser: Browser,
  o: { locale?: string; viewport?: { width: number; height: number }; timezoneId?: string } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    locale: o.locale ?? 'en-US',
    timezoneId: o.timezoneId ?? 'Europe/Berlin',
    viewport: o.viewport ?? { width: 1280, height: 860 },
    acceptDownloads: true,
  });
}

const resultsDir = join(root, 'test-results', 'web');

/** A full-page screenshot under test-results/web/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core on the page as it is now (WCAG 2.x A and AA rules): the serious and critical
 * violations. Evaluated through the DevTools protocol, so the app's CSP stays as strict as served.
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const results = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })",
  )) as { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
}

/** A screen's record: its screenshot under test-results/web/, and no serious or critical axe violation. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  const violations = await axe(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** A small real PNG (a gradient), so the worker renders a preview of it. */
export function pngImage(width = 96, height = 64): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([(x * 255) / width, (y * 255) / height, 160], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The served hostnames the browser tests use: `*.localhost` resolves to 127.0.0.1 in Chromium, no DNS needed. */
export const WEB_HOSTS = {
  'quire.localhost': 'global',
  'us.quire.localhost': 'us',
  'eu.quire.localhost': 'eu',
};
