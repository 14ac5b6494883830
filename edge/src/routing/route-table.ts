import {
  type EdgeSnapshot,
  edgeSnapshotSchema,
  type RouteCell,
  type RouteKey,
  type RouteTenant,
} from '@quire/shared/routing';
import { importJWK } from 'jose';
import { z } from 'zod';
import type { RoutesKv } from '../env.ts';
import { errorName, type Logger } from '../log.ts';

/** The snapshot, indexed for the hot path. Rebuilt only when the control plane's version changes. */
export interface RouteIndex {
  version: string;
  cells: Map<string, RouteCell>;
  tenantsById: Map<string, RouteTenant>;
  tenantsBySlug: Map<string, RouteTenant>;
  keys: Map<string, RouteKey>;
  /** Imported verification keys, filled lazily per kid. */
  cryptoKeys: Map<string, Promise<CryptoKey>>;
}

export interface RouteTableOptions {
  controlPlaneUrl: string;
  edgeToken: string;
  /** Background refresh once the table is older than this. */
  refreshMs: number;
  /** At most one on-demand refresh (unknown tenant or kid) per this interval. */
  missRefreshMs: number;
  kv: RoutesKv | null;
  log: Logger;
  now?: () => number;
}

export type WaitUntil = (promise: Promise<unknown>) => void;

const KV_KEY = 'edge-snapshot:v1';
const CONTROL_PLANE_TIMEOUT_MS = 5_000;
const NEGATIVE_CACHE_MAX = 10_000;

const storedSchema = z.object({ etag: z.string().nullable(), snapshot: edgeSnapshotSchema });

function buildIndex(snapshot: EdgeSnapshot): RouteIndex {
  return {
    version: snapshot.version,
    cells: new Map(snapshot.cells.map((c) => [c.id, c])),
    tenantsById: new Map(snapshot.tenants.map((t) => [t.id, t])),
    tenantsBySlug: new Map(snapshot.tenants.map((t) => [t.slug, t])),
    keys: new Map(snapshot.keys.map((k) => [k.kid, k])),
    cryptoKeys: new Map(),
  };
}

/**
 * The route table held in the isolate's memory. The hot path reads only memory: a refresh
 * runs in the background (ctx.waitUntil) once the table is older than `refreshMs`, with
 * If-None-Match. KV is read only by a cold isolate that has no table yet, and written only
 * when the version changes. When the control plane is unreachable the last table stays in
 * service (stale-while-error). An unknown tenant or key id causes at most one on-demand
 * refresh per `missRefreshMs`; unknown tenants are then remembered (negative cache).
 */
export class RouteTable {
  readonly #o: RouteTableOptions;
  readonly #now: () => number;
  #index: RouteIndex | null = null;
  #etag: string | null = null;
  /** Last attempt to reach the control plane (success or not): refreshes back off from it. */
  #checkedAt = Number.NEGATIVE_INFINITY;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #lastMissRefresh = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | null = null;
  #cold: Promise<void> | null = null;
  #negative = new Map<string, number>();

  readonly stats = {
    /** Every request the edge sent to the control plane. */
    controlPlaneFetches: 0,
    notModified: 0,
    updates: 0,
    failures: 0,
    missRefreshes: 0,
    kvReads: 0,
    kvWrites: 0,
  };

  constructor(options: RouteTableOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get version(): string | null {
    return this.#index?.version ?? null;
  }

  /** Seconds since the table last matched the control plane (null before the first load). */
  get ageSeconds(): number | null {
    return this.#index ? Math.round((this.#now() - this.#loadedAt) / 1000) : null;
  }

  /**
   * The current table: memory, else (cold isolate) KV, else the control plane. Schedules a
   * background refresh when the table is stale. Null only when nothing could be loaded.
   */
  async current(waitUntil: WaitUntil): Promise<RouteIndex | null> {
    if (!this.#index) {
      this.#cold ??= this.#coldLoad(waitUntil).finally(() => {
        this.#cold = null;
      });
      await this.#cold;
    }
    if (this.#index && !this.#inflight && this.#now() - this.#checkedAt >= this.#o.refreshMs) {
      waitUntil(this.refresh(waitUntil));
    }
    return this.#index;
  }

  cell(id: string): RouteCell | null {
    return this.#index?.cells.get(id) ?? null;
  }

  /** The first cell (by id) that is not down: for what any cell answers alike (which methods a path allows). */
  anyCell(): RouteCell | null {
    const cells = [...(this.#index?.cells.values() ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    return cells.find((c) => c.status !== 'down') ?? null;
  }

  /** A tenant by id or slug; on a miss, one rate-limited refresh, then a negative-cache entry. */
  async tenant(by: 'id' | 'slug', value: string, waitUntil: WaitUntil): Promise<RouteTenant | null> {
    const find = () =>
      (by === 'id' ? this.#index?.tenantsById : this.#index?.tenantsBySlug)?.get(value) ?? null;
    const found = find();
    if (found) return found;
    const key = `${by}:${value}`;
    const until = this.#negative.get(key);
    if (until !== undefined && until > this.#now()) return null;
    await this.#refreshOnMiss(waitUntil);
    const after = find();
    if (!after) this.#rememberMissing(key);
    return after;
  }

  /** A verification key by kid with its imported CryptoKey; an unknown kid costs one rate-limited refresh. */
  async key(kid: string, waitUntil: WaitUntil): Promise<{ key: RouteKey; cryptoKey: CryptoKey } | null> {
    let key = this.#index?.keys.get(kid);
    if (!key) {
      await this.#refreshOnMiss(waitUntil);
      key = this.#index?.keys.get(kid);
      if (!key) return null;
    }
    const index = this.#index!;
    let imported = index.cryptoKeys.get(kid);
    if (!imported) {
      const { cellId: _cell, retiresAt: _retires, ...jwk } = key;
      imported = importJWK({ ...jwk, alg: 'ES256' }, 'ES256') as Promise<CryptoKey>;
      index.cryptoKeys.set(kid, imported);
    }
    return { key, cryptoKey: await imported };
  }

  /** Pulls the snapshot now (one request in flight at a time). Never throws: failures keep the last table. */
  refresh(waitUntil: WaitUntil): Promise<void> {
    this.#inflight ??= this.#fetchSnapshot(waitUntil).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #refreshOnMiss(waitUntil: WaitUntil): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (this.#now() - this.#lastMissRefresh < this.#o.missRefreshMs) return;
    this.#lastMissRefresh = this.#now();
    this.stats.missRefreshes++;
    await this.refresh(waitUntil);
  }

  #rememberMissing(key: string) {
    if (this.#negative.size >= NEGATIVE_CACHE_MAX) this.#negative.clear();
    this.#negative.set(key, this.#now() + Math.max(this.#o.refreshMs, this.#o.missRefreshMs));
  }

  async #coldLoad(waitUntil: WaitUntil): Promise<void> {
    const kv = this.#o.kv;
    if (kv) {
      try {
        this.stats.kvReads++;
        const raw = await kv.get(KV_KEY, 'text');
        if (raw) {
          const stored = storedSchema.parse(JSON.parse(raw));
          this.#install(stored.snapshot, stored.etag);
          // Known to be old: the next check (right after this request) goes to the control plane.
          this.#checkedAt = Number.NEGATIVE_INFINITY;
          this.#loadedAt = Number.NEGATIVE_INFINITY;
          return;
        }
      } catch (err) {
        this.#o.log.warn('route_kv_read_failed', { reason: errorName(err) });
      }
    }
    await this.refresh(waitUntil);
  }

  async #fetchSnapshot(waitUntil: WaitUntil): Promise<void> {
    this.#checkedAt = this.#now();
    this.stats.controlPlaneFetches++;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#o.edgeToken}`,
      accept: 'application/json',
    };
    if (this.#etag && this.#index) headers['if-none-match'] = this.#etag;
    const url = `${this.#o.controlPlaneUrl.replace(/\/+$/, '')}/v1/edge/snapshot`;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(CONTROL_PLANE_TIMEOUT_MS) });
    } catch (err) {
      return this.#failed({ reason: errorName(err) });
    }
    if (res.status === 304 && this.#index) {
      await res.body?.cancel();
      this.stats.notModified++;
      this.#loadedAt = this.#now();
      return;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      return this.#failed({ status: res.status });
    }
    let snapshot: EdgeSnapshot;
    try {
      snapshot = edgeSnapshotSchema.parse(await res.json());
    } catch (err) {
      return this.#failed({ reason: `invalid_snapshot:${errorName(err)}` });
    }
    const changed = snapshot.version !== this.#index?.version;
    this.#install(snapshot, res.headers.get('etag'));
    this.#loadedAt = this.#now();
    if (changed) {
      this.stats.updates++;
      this.#o.log.info('route_table_updated', {
        version: snapshot.version,
        cells: snapshot.cells.length,
        tenants: snapshot.tenants.length,
      });
      const kv = this.#o.kv;
      if (kv) {
        this.stats.kvWrites++;
        waitUntil(
          kv
            .put(KV_KEY, JSON.stringify({ etag: this.#etag, snapshot }))
            .catch((err) => this.#o.log.warn('route_kv_write_failed', { reason: errorName(err) })),
        );
      }
    }
  }

  #failed(fields: { status?: number; reason?: string }) {
    this.stats.failures++;
    this.#o.log.warn('route_refresh_failed', {
      ...fields,
      serving: this.#index ? 'stale' : 'none',
      version: this.#index?.version ?? null,
    });
  }

  #install(snapshot: EdgeSnapshot, etag: string | null) {
    if (snapshot.version !== this.#index?.version) {
      this.#index = buildIndex(snapshot);
      this.#negative.clear();
    }
    this.#etag = etag;
  }
}
