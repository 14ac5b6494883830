import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare, NoOpLog } from 'miniflare';

/**
 * The edge worker running in workerd (Miniflare), for tests and benchmarks. The worker is
 * bundled once per process with esbuild (as wrangler would) and each `startEdge` gets its own
 * workerd process, so its own isolate: its own route table, counters and rate limiter.
 */
export interface StartEdgeOptions {
  /** Where the control plane serves GET /v1/edge/snapshot. */
  controlPlaneUrl: string;
  /** The edge's bearer credential at the control plane (also guards GET /__edge/stats). */
  edgeToken: string;
  /** HMAC secret shared with the cells (their EDGE_ASSERTION_SECRET), at least 32 characters. */
  assertionSecret: string;
  /** `aud` every access token must carry; default `quire` (the cells' default). */
  audience?: string;
  /** Served hostnames → region or `global`; default `{ 'quire.test': 'global', 'eu.quire.test': 'eu', 'us.quire.test': 'us' }`. */
  hosts?: Record<string, string>;
  /** Background refresh interval of the route table; default 30. */
  refreshSeconds?: number;
  /** At most one on-demand refresh (unknown tenant or kid) per this interval; default 10. */
  missRefreshSeconds?: number;
  /** Per-client-IP token bucket for requests without a valid token; default generous (10,000 burst). */
  rateLimit?: { burst: number; perSecond: number };
  upstreamTimeoutSeconds?: number;
  /** Bind the ROUTES_KV namespace (cold-start fallback); default true. */
  kv?: boolean;
  /** Keep ROUTES_KV in this folder, so a second edge starts cold on what the first one wrote (default: in memory). */
  kvPersist?: string;
  /**
   * Bind this folder as the ASSETS binding (Workers static assets, as `[assets]` in
   * wrangler.toml: worker first, single-page-app fallback): the built web app, web/dist/app.
   */
  assetsDir?: string;
  /** Extra or overriding raw bindings (e.g. to test binding validation). */
  bindings?: Record<string, string>;
}

export interface EdgeStats {
  version: string | null;
  ageSeconds: number | null;
  controlPlaneFetches: number;
  notModified: number;
  updates: number;
  failures: number;
  missRefreshes: number;
  kvReads: number;
  kvWrites: number;
}

export interface TestEdge {
  /** The edge's real HTTP address (Host header decides the tenant, so prefer `fetch`). */
  url: string;
  /** The first served hostname (the global one when there is one). */
  host: string;
  /**
   * Sends a request into the worker. A path (`/v1/me`) goes to `http://<host><path>`; a full
   * URL keeps its hostname, so any served or tenant hostname works without DNS.
   */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** Everything the worker wrote to stdout/stderr, one entry per line. */
  logs: string[];
  /**
   * Every URL a client sent to the edge: what a provider's request logs, traces and analytics
   * record (possibly outside the tenant's region), so what must hold no tenant content.
   */
  urls: string[];
  /** The isolate's counters (GET /__edge/stats with the edge token). */
  stats(): Promise<EdgeStats>;
  close(): Promise<void>;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** At or before the date of the workerd that miniflare bundles (2026-07-30). */
export const EDGE_COMPATIBILITY_DATE = '2026-07-30';

let bundled: Promise<string> | null = null;

/** Bundles edge/src/index.ts the way wrangler does (ESM, workerd conditions); once per process. */
export function bundleEdge(): Promise<string> {
  bundled ??= (async () => {
    const result = await build({
      entryPoints: [join(root, 'edge/src/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      write: false,
      logLevel: 'silent',
    });
    const dir = mkdtempSync(join(tmpdir(), 'quire-edge-'));
    const path = join(dir, 'edge.mjs');
    writeFileSync(path, result.outputFiles[0]!.text);
    return path;
  })();
  return bundled;
}

export async function startEdge(options: StartEdgeOptions): Promise<TestEdge> {
  const scriptPath = await bundleEdge();
  const hosts = options.hosts ?? { 'quire.test': 'global', 'eu.quire.test': 'eu', 'us.quire.test': 'us' };
  const host = Object.keys(hosts).find((h) => hosts[h] === 'global') ?? Object.keys(hosts)[0]!;
  const logs: string[] = [];
  const urls: string[] = [];
  const capture = (stream: Readable) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) logs.push(line);
    });
  };
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: EDGE_COMPATIBILITY_DATE,
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new NoOpLog(),
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      capture(stdout);
      capture(stderr);
    },
    kvNamespaces: options.kv === false ? [] : ['ROUTES_KV'],
    ...(options.kvPersist ? { kvPersist: options.kvPersist } : {}),
    ...(options.assetsDir
      ? {
          assets: {
            directory: options.assetsDir,
            binding: 'ASSETS',
            routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
            assetConfig: { not_found_handling: 'single-page-application' as const },
          },
        }
      : {}),
    bindings: {
      CONTROL_PLANE_URL: options.controlPlaneUrl,
      EDGE_TOKEN: options.edgeToken,
      EDGE_ASSERTION_SECRET: options.assertionSecret,
      JWT_AUDIENCE: options.audience ?? 'quire',
      HOSTS: JSON.stringify(hosts),
      ROUTE_REFRESH_SECONDS: String(options.refreshSeconds ?? 30),
      ROUTE_MISS_REFRESH_SECONDS: String(options.missRefreshSeconds ?? 10),
      UPSTREAM_TIMEOUT_SECONDS: String(options.upstreamTimeoutSeconds ?? 100),
      RATE_LIMIT_BURST: String(options.rateLimit?.burst ?? 10_000),
      RATE_LIMIT_PER_SECOND: String(options.rateLimit?.perSecond ?? 1_000),
      ...options.bindings,
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  const fetchEdge = async (pathOrUrl: string, init?: RequestInit) => {
    const target = pathOrUrl.startsWith('/') ? `http://${host}${pathOrUrl}` : pathOrUrl;
    urls.push(target);
    const res = await mf.dispatchFetch(target, init as never);
    return res as unknown as Response;
  };
  return {
    url,
    host,
    fetch: fetchEdge,
    logs,
    urls,
    async stats() {
      const res = await fetchEdge('/__edge/stats', {
        headers: { authorization: `Bearer ${options.edgeToken}` },
      });
      if (res.status !== 200) throw new Error(`edge stats: ${res.status}`);
      return (await res.json()) as EdgeStats;
    },
    close: () => mf.dispose(),
  };
}
