import { Redis } from 'ioredis';
import type { CellDeps } from '../../context.ts';
import { ringChannelOf } from '../../jobs/scheduler/queue.ts';
import { JobScheduler, type JobSource } from '../../jobs/scheduler/scheduler.ts';
import { type DrainOptions, SearchDrainer } from './drain.ts';

/** The search outbox as a source of the cell's scheduler: one batch of a tenant's rows per turn. */
export function searchSource(drainer: SearchDrainer): JobSource {
  return {
    name: 'search-outbox',
    ready: () => drainer.pendingTenantIds(),
    runOne: (tenantId) => drainer.turn(tenantId),
  };
}

export interface SearchWorkerOptions extends DrainOptions {
  redisUrl: string;
  queuePrefix: string;
  /** Look for outbox rows without a ring this often (lost rings, retries after a backoff). */
  sweepMs: number;
}

/**
 * The search pipeline on a scheduler of its own (tests; the worker process puts this source
 * on the one scheduler with every other kind of job, see cell/src/worker.ts). The outbox in
 * Postgres is the queue; a ring only wakes the scheduler, so a lost one delays indexing by at
 * most one sweep interval.
 */
export function startSearchWorker(deps: CellDeps, options: SearchWorkerOptions) {
  const drainer = new SearchDrainer(deps, options);
  const scheduler = new JobScheduler({
    sources: [searchSource(drainer)],
    lanes: options.lanes ?? 2,
    pollMs: options.sweepMs,
    weightOf: async (id) => (await deps.tenants.get(id))?.limits.jobWeight ?? 1,
    subscriber: new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
    ringChannel: ringChannelOf(options.queuePrefix),
    log: deps.log,
  }).start();
  return {
    drainer,
    scheduler,
    async stop(): Promise<void> {
      await scheduler.stop();
      await drainer.stop();
    },
  };
}
