import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { CellDeps } from '../../context.ts';
import { COLLAB_QUEUE } from '../../jobs/collab-queue.ts';
import { sendEmailDigest, usersWithMailDue } from '../notifications/email/digest.ts';
import type { Mailer } from '../notifications/email/mailer.ts';

export interface CollabWorkerOptions {
  redisUrl: string;
  queuePrefix: string;
  mailer: Mailer;
  concurrency: number;
  /** How often to look for mails whose job was lost. */
  emailSweepMs: number;
  /** Further job kinds (bulk runs, webhook deliveries) by job name. */
  handlers?: Record<string, (data: Record<string, string>) => Promise<unknown>>;
  /** Sweeps of further kinds, run on their own interval. */
  sweeps?: { everyMs: number; run: (tenantId: string) => Promise<unknown> }[];
}

/**
 * The collaboration jobs in the cell's worker: a BullMQ worker on the `collab` queue (mail
 * digests, bulk jobs, webhook deliveries) and sweeps that find work whose job was lost. Each
 * job names one tenant and does that tenant's work only.
 */
export function startCollabWorker(deps: CellDeps, o: CollabWorkerOptions) {
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const handlers: Record<string, (data: Record<string, string>) => Promise<unknown>> = {
    'email-digest': (d) => sendEmailDigest(deps, o.mailer, { tenantId: d.tenantId!, userId: d.userId! }),
    ...o.handlers,
  };
  const worker = new Worker(
    COLLAB_QUEUE,
    async (job) => {
      const handler = handlers[job.name];
      if (!handler) throw new Error(`unknown collab job ${job.name}`);
      return handler(job.data as Record<string, string>);
    },
    { connection, prefix: o.queuePrefix, concurrency: o.concurrency },
  );
  worker.on('error', (err) => deps.log.warn('collab queue error', { err: String(err) }));
  worker.on('failed', (job, err) =>
    deps.log.warn('collab job failed', { job: job?.name, tenantId: job?.data?.tenantId, err: String(err) }),
  );

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
    for (const userId of await usersWithMailDue(deps, tenantId))
      await sendEmailDigest(deps, o.mailer, { tenantId, userId });
  });
  for (const s of o.sweeps ?? []) sweep(s.everyMs, s.run);

  return {
    worker,
    async stop(): Promise<void> {
      for (const t of timers) clearInterval(t);
      await worker.close();
      connection.disconnect();
      o.mailer.close();
    },
  };
}
