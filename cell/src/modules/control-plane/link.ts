import { QuireError } from '@quire/shared/errors';
import type { PlanId } from '@quire/shared/plans';
import {
  type CellConfig,
  type CellHeartbeat,
  type CellSearch,
  cellConfigSchema,
} from '@quire/shared/routing';
import type { CellDeps } from '../../context.ts';
import type { ClientInfo } from '../../middleware/client-info.ts';
import type { ConfigStore } from '../../tenant-context/config-store.ts';
import { beginOffboarding } from '../offboarding/verbs/begin.ts';
import { purgeTenant } from '../offboarding/verbs/purge.ts';
import { heartbeatUsage, usageFigures } from '../quotas/figures.ts';
import { updateTenant } from '../tenancy/verbs/update-status.ts';

export interface LinkOptions {
  controlPlaneUrl: string;
  credential: string;
  region: string;
  baseUrl: string;
  version: string;
  capacity: number;
  /** The search engine and the largest tenant it serves: the control plane places only tenants whose plan fits. */
  search: CellSearch;
  intervalMs: number;
}

/**
 * The cell's side of the control plane: registers and heartbeats (so region teams add
 * cells without redeploying anything else), and pulls its config with an ETag. The
 * control plane being unreachable changes nothing: the cell keeps serving with the last
 * config it stored. Tenant status and plan in the config are reconciled into the cell's
 * own tenant rows, so a missed push still converges.
 */
export class ControlPlaneLink {
  private readonly o: LinkOptions;
  private readonly deps: CellDeps;
  private readonly config: ConfigStore;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Deleted tenants whose purge this process saw finish (the config keeps listing them). */
  private readonly purged = new Set<string>();
  lastError: string | null = null;

  constructor(o: LinkOptions, deps: CellDeps, config: ConfigStore) {
    this.o = o;
    this.deps = deps;
    this.config = config;
  }

  heartbeat(): CellHeartbeat {
    return {
      region: this.o.region,
      baseUrl: this.o.baseUrl,
      version: this.o.version,
      capacity: this.o.capacity,
      tenantCount: this.config.config?.tenants.filter((t) => t.status !== 'deleted').length ?? 0,
      issuer: this.deps.tokens.issuer,
      keys: this.deps.tokens.publicJwks().keys as CellHeartbeat['keys'],
      sealingKey: this.deps.sealing.publicJwk,
      search: this.o.search,
    };
  }

  /**
   * Each homed tenant's usage figures (numbers only, never content) for the control plane;
   * left out of this beat (not failing it) when the database does not answer.
   */
  async usage(): Promise<CellHeartbeat['usage']> {
    try {
      return heartbeatUsage(await usageFigures(this.deps.db));
    } catch (err) {
      this.deps.log.warn('usage figures unavailable for the heartbeat', {
        error: err instanceof Error ? err.message : String(err),
      });
      return undefined;
    }
  }

  start(): void {
    const loop = async () => {
      this.running = this.tick().finally(() => {
        this.running = null;
      });
      await this.running;
      if (this.timer !== null) this.timer = setTimeout(loop, this.o.intervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One heartbeat and one config pull; never throws (the next tick retries). */
  async tick(): Promise<void> {
    try {
      await this.send('PUT', `/v1/cells/${this.deps.cellId}/heartbeat`, {
        ...this.heartbeat(),
        usage: await this.usage(),
      } satisfies CellHeartbeat);
      await this.pullConfig();
      this.lastError = null;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.deps.log.warn('control plane unreachable; serving with the last known config', {
        error: this.lastError,
        configVersion: this.config.version,
      });
    }
  }

  private async pullConfig(): Promise<void> {
    const headers: Record<string, string> = {};
    if (this.config.version) headers['if-none-match'] = `"${this.config.version}"`;
    const res = await this.request('GET', `/v1/cells/${this.deps.cellId}/config`, undefined, headers);
    if (res.status === 304) return;
    if (!res.ok) throw new Error(`config pull answered ${res.status}`);
    const config = cellConfigSchema.parse(await res.json());
    await this.reconcile(config);
    await this.config.replace(config);
    for (const t of config.tenants) this.deps.tenants.invalidate(t.id);
  }

  /**
   * Status and plan from the control plane win over the cell's copy (pushes can be missed). A
   * tenant the control plane has `deleted` is purged here (a cell that was down when the control
   * plane asked, or whose purge a restart interrupted, finishes it on its next pull); one it has
   * `offboarding` goes read-only.
   */
  private async reconcile(config: CellConfig): Promise<void> {
    const meta = {
      requestId: `cfg-${config.version}`.slice(0, 64),
      client: { ip: null, userAgent: 'control-plane-config' },
    };
    for (const t of config.tenants) {
      if (t.status === 'deleted') {
        // In the background: a large tenant's purge must not hold up heartbeats.
        if (!this.purged.has(t.id)) void this.catchUpDeletion(t.id, meta);
        continue;
      }
      const local = await this.deps.tenants.get(t.id);
      if (!local) continue;
      if (t.status === 'offboarding') {
        if (local.status !== 'offboarding')
          await beginOffboarding(this.deps, t.id, meta).catch((err: unknown) =>
            this.deps.log.warn('offboarding refused by the cell', { tenantId: t.id, err: String(err) }),
          );
        continue;
      }
      const status = t.status === 'active' ? 'active' : t.status === 'provisioning' ? null : 'suspended';
      const patch: { status?: 'active' | 'suspended' | 'offboarding'; plan?: PlanId } = {};
      if (status && status !== local.status) patch.status = status;
      if (t.plan !== local.plan) patch.plan = t.plan;
      if (Object.keys(patch).length === 0) continue;
      await updateTenant(this.deps, t.id, patch, meta);
    }
  }

  /**
   * A deletion this cell missed (it was down, or a restart cut its purge short): offboarding first
   * if it never got it (legal holds are checked there; no export, the data is going), then the purge.
   */
  private async catchUpDeletion(tenantId: string, meta: { requestId: string; client: ClientInfo }) {
    try {
      const local = await this.deps.tenants.get(tenantId);
      if (local && local.status !== 'offboarding')
        await beginOffboarding(this.deps, tenantId, meta, { makeExport: false });
      await purgeTenant(this.deps, tenantId);
      this.purged.add(tenantId);
    } catch (err) {
      // Never homed here, or already gone without a tombstone: nothing to do.
      if (err instanceof QuireError && err.code === 'not_found') this.purged.add(tenantId);
      else
        this.deps.log.warn('tenant purge failed; retried on the next pull', { tenantId, err: String(err) });
    }
  }

  private async send(method: string, path: string, body: unknown): Promise<void> {
    const res = await this.request(method, path, body);
    if (!res.ok)
      throw new Error(`${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }

  private request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    return fetch(new URL(path, this.o.controlPlaneUrl), {
      method,
      headers: {
        authorization: `Bearer ${this.o.credential}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extra,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  }
}
