import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { CellDeps } from '../../context.ts';
import { DRAIN_JOB, SEARCH_QUEUE } from '../../jobs/doorbell.ts';
import { type DrainOptions, SearchDrainer } from './drain.ts';

export interface SearchWorkerOptions extends DrainOptions {
  redisUrl: string;
  queuePrefix: string;
  /** Drain without a doorbell this often (lost rings, retries after a backoff). */
  sweepMs: number;
}

/**
 * The search pipeline's consumer: a BullMQ worker on the doorbell queue, plus a sweep timer
 * and a drain at start-up, all running the same coalescing drain. The queue only wakes it;
 * the outbox in Postgres is what it works from, so a lost or stalled job delays indexing by
 * at most one sweep interval.
 */
export function startSearchWorker(deps: CellDeps, options: SearchWorkerOptions) {
  const drainer = new SearchDrainer(deps, options);
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const drain = (why: string) =>
    drainer.drainUntilIdle().then(
      (stats) => {
        if (stats.done + stats.retried > 0) deps.log.info('search outbox drained', { why, ...stats });
      },
      (err: unknown) => deps.log.error('search drain failed', { why, err: String(err) }),
    );
  const worker = new Worker(
    SEARCH_QUEUE,
    async (job) => {
      if (job.name === DRAIN_JOB) await drain('doorbell');
    },
    { connection, prefix: options.queuePrefix, concurrency: 1 },
  );
  worker.on('error', (err) => deps.log.warn('search queue error', { err: String(err) }));
  void drain('start');
  const timer = setInterval(() => void drain('sweep'), options.sweepMs);
  timer.unref();
  return {
    drainer,
    async stop(): Promise<void> {
      clearInterval(timer);
      await worker.close();
      await drainer.stop();
      connection.disconnect();
    },
  };
}
