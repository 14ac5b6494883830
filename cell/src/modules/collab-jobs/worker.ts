import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CellDeps } from '../../context.ts';
import { ringChannelOf } from '../../jobs/scheduler/queue.ts';
import { JobScheduler } from '../../jobs/scheduler/scheduler.ts';
import { type JobHandler, TableSource } from '../../jobs/scheduler/table-source.ts';
import { sendEmailDigest, usersWithMailDue } from '../notifications/email/digest.ts';
import type { Mailer } from '../notifications/email/mailer.ts';

type DataHandler = (data: Record<string, string>) => Promise<unknown>;

export interface CollabWorkerOptions {
  redisUrl: string;
  queuePrefix: string;
  mailer: Mailer;
  concurrency: number;
  /** How often to look for mails whose job was lost. */
  emailSweepMs: number;
  /** Further job kinds (bulk runs, webhook deliveries) by job name. */
  handlers?: Record<string, DataHandler>;
  /** Sweeps of further kinds, run on their own interval. */
  sweeps?: { everyMs: number; run: (tenantId: string) => Promise<unknown> }[];
  /** The sweeps enqueue what they find on the scheduler (the worker process) instead of running it here. */
  sweepsEnqueue?: boolean;
  /** The scheduler's lease on a job (default 30 s) and how often it looks without a ring (1 s). */
  leaseMs?: number;
  pollMs?: number;
}

/** The collaboration job kinds as scheduler handlers: each job names one tenant and does its work only. */
export function collabHandlers(
  deps: CellDeps,
  mailer: Mailer,
  more: Record<string, DataHandler> = {},
): Record<string, JobHandler> {
  const byData: Record<string, DataHandler> = {
    'email-digest': (d) => sendEmailDigest(deps, mailer, { tenantId: d.tenantId!, userId: d.userId! }),
    ...more,
  };
  const out: Record<string, JobHandler> = {};
  for (const [kind, run] of Object.entries(byData)) {
    out[kind] = async (job) => {
      // The job's tenant is the row's, never the payload's word for it.
      await run({ ...(job.payload as Record<string, string>), tenantId: job.tenantId });
    };
  }
  return out;
}

/**
 * Sweeps that find collaboration work whose job was lost (enqueued after the commit by a
 * process that died in between, or dropped after its last attempt): Postgres holds the work.
 * In the worker process they only enqueue (coalescing keys), so even recovered work runs
 * through the scheduler, fair across tenants.
 */
export function startCollabSweeps(
  deps: CellDeps,
  o: Pick<CollabWorkerOptions, 'mailer' | 'emailSweepMs' | 'sweeps' | 'sweepsEnqueue'>,
): () => void {
  const timers: NodeJS.Timeout[] = [];
  const sweep = (everyMs: number, run: (tenantId: string) => Promise<unknown>) => {
    let busy = false;
    const t = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const ids = await deps.db.$client<{ id: string }[]>`select tenant_ids() as id`;
        for (const { id } of ids) {
          await run(id).catch((err: unknown) =>
            deps.log.warn('collab sweep failed', { tenantId: id, err: String(err) }),
          );
        }
      } catch (err) {
        deps.log.warn('collab sweep failed', { err: String(err) });
      } finally {
        busy = false;
      }
    }, everyMs);
    t.unref();
    timers.push(t);
  };
  sweep(o.emailSweepMs, async (tenantId) => {
    for (const userId of await usersWithMailDue(deps, tenantId)) {
      if (o.sweepsEnqueue)
        await deps.jobs.enqueue({
          tenantId,
          kind: 'email-digest',
          key: `${userId}-sweep`,
          payload: { userId },
        });
      else await sendEmailDigest(deps, o.mailer, { tenantId, userId });
    }
  });
  for (const s of o.sweeps ?? []) sweep(s.everyMs, s.run);
  return () => {
    for (const t of timers) clearInterval(t);
  };
}

/**
 * The collaboration jobs on a scheduler of their own (tests; the worker process runs them on
 * the one scheduler with every other kind, see cell/src/worker.ts), plus their sweeps.
 */
export function startCollabWorker(deps: CellDeps, o: CollabWorkerOptions) {
  const source = new TableSource(deps.db, collabHandlers(deps, o.mailer, o.handlers), {
    queue: o.queuePrefix,
    owner: `collab-${process.pid}-${randomUUID()}`,
    leaseMs: o.leaseMs ?? 30_000,
    log: deps.log,
  });
  const scheduler = new JobScheduler({
    sources: [source],
    lanes: o.concurrency,
    pollMs: o.pollMs ?? 1000,
    weightOf: async (id) => (await deps.tenants.get(id))?.limits.jobWeight ?? 1,
    subscriber: new Redis(o.redisUrl, { maxRetriesPerRequest: null }),
    ringChannel: ringChannelOf(o.queuePrefix),
    log: deps.log,
  }).start();
  const stopSweeps = startCollabSweeps(deps, o);
  return {
    scheduler,
    async stop(): Promise<void> {
      stopSweeps();
      await scheduler.stop();
      o.mailer.close();
    },
  };
}
