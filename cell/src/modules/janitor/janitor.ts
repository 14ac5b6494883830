import type { Logger } from '@quire/shared/log';
import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { deleteExpiredIdempotency } from '../documents/repo.ts';
import { sweepExpiredUploads } from '../uploads/expiry.ts';
import { sweepOrphanBlobs } from './orphan-blobs.ts';

export interface JanitorOptions {
  /** How often a pass runs (default 15 min). */
  intervalMs?: number;
  /** Blobs and unfinished writes younger than this are left alone (default 24 h). */
  graceMs?: number;
}

export interface JanitorPass {
  tenants: number;
  orphanBlobs: number;
  incompleteWrites: number;
  expiredIdempotencyKeys: number;
  /** Resumable uploads past their expiry, their stored parts deleted. */
  expiredUploads: number;
}

/**
 * Cleans up after crashes and time, tenant by tenant (ids from `tenant_ids()`, migration
 * 0008): blobs no row refers to, writes interrupted mid-way, idempotency keys past their
 * lifetime, resumable uploads past their expiry. Every step is idempotent, so several workers may run it; a failure in one
 * tenant is logged and the pass goes on.
 */
export class Janitor {
  private readonly deps: CellDeps;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<JanitorPass> | null = null;

  constructor(deps: CellDeps, options: JanitorOptions = {}) {
    this.deps = deps;
    this.log = deps.log;
    this.intervalMs = options.intervalMs ?? 15 * 60_000;
    this.graceMs = options.graceMs ?? 24 * 3_600_000;
  }

  runOnce(): Promise<JanitorPass> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  start(): void {
    const tick = async () => {
      try {
        const pass = await this.runOnce();
        if (
          pass.orphanBlobs + pass.incompleteWrites + pass.expiredIdempotencyKeys + pass.expiredUploads >
          0
        ) {
          this.log.info('janitor pass', { ...pass });
        }
      } catch (err) {
        this.log.error('janitor pass failed; retrying next interval', { err: String(err) });
      }
      if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  private async pass(): Promise<JanitorPass> {
    const cutoff = new Date(Date.now() - this.graceMs);
    const result: JanitorPass = {
      tenants: 0,
      orphanBlobs: 0,
      incompleteWrites: await this.deps.blobs.removeIncomplete(cutoff),
      expiredIdempotencyKeys: 0,
      expiredUploads: 0,
    };
    const ids = await this.deps.db.$client<{ id: string }[]>`select tenant_ids() as id`;
    for (const { id } of ids) {
      try {
        result.orphanBlobs += await sweepOrphanBlobs(this.deps, id, cutoff);
        result.expiredUploads += await sweepExpiredUploads(this.deps, id);
        result.expiredIdempotencyKeys += await withTenantTx(this.deps.db, id, (tx) =>
          deleteExpiredIdempotency(tx, id),
        );
        result.tenants += 1;
      } catch (err) {
        this.log.error('janitor: tenant skipped this pass', { tenantId: id, err: String(err) });
      }
    }
    return result;
  }
}
