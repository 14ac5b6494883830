/**
 * The cell's worker process: `node cell/src/worker.ts`, with the same environment as the
 * API server (cell/src/env.ts). Every background job goes through one fair scheduler
 * (jobs/scheduler/): search batches (outbox → extraction → index), bulk jobs, mail digests,
 * webhook deliveries; exports and erasures join as job kinds. Beside it run the audit sealer
 * (chains committed audit entries) and the janitor (orphan blobs, expired uploads and
 * idempotency keys). Any number of worker processes may run side by side.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDeps } from './deps.ts';
import { parseEnv } from './env.ts';
import { queuePrefix } from './jobs/doorbell.ts';
import { ringChannelOf } from './jobs/scheduler/queue.ts';
import { JobScheduler } from './jobs/scheduler/scheduler.ts';
import { TableSource } from './jobs/scheduler/table-source.ts';
import { AuditSealer } from './modules/audit/sealer.ts';
import { runBulkJob } from './modules/bulk/run.ts';
import { sweepBulkJobs } from './modules/bulk/sweep.ts';
import { collabHandlers, startCollabSweeps } from './modules/collab-jobs/worker.ts';
import { heldDeletionResumers } from './modules/documents/held.ts';
import { runErasure, sweepErasures } from './modules/erasure/run.ts';
import { closeExtraction } from './modules/extraction/extract.ts';
import { setResumers } from './modules/holds/resume.ts';
import { Janitor } from './modules/janitor/janitor.ts';
import { createMailer } from './modules/notifications/email/mailer.ts';
import { dueExports, runPortabilityExport } from './modules/portability/run.ts';
import { closePreviews } from './modules/previews/render.ts';
import { runDuePolicies } from './modules/retention/run.ts';
import { SearchDrainer } from './modules/search/drain.ts';
import { searchSource } from './modules/search/worker.ts';
import { deliverWebhook, dueDeliveries } from './modules/webhooks/deliver.ts';

const env = parseEnv();
const { deps, close } = await createDeps(env);
setResumers(heldDeletionResumers);
const prefix = queuePrefix(env.CELL_ID, env.QUEUE_PREFIX);
const mailer = createMailer({ url: env.SMTP_URL, from: env.SMTP_FROM });
const drainer = new SearchDrainer(deps, { lanes: env.SEARCH_WORKER_CONCURRENCY });
// The one scheduler (jobs/scheduler/README.md): every kind of background work, fair across
// tenants by plan weight. Search batches come from the outbox; every other job from `jobs`.
const jobs = new TableSource(
  deps.db,
  collabHandlers(deps, mailer, {
    'bulk-run': (d) => runBulkJob(deps, { tenantId: d.tenantId!, jobId: d.jobId! }),
    'webhook-deliver': (d) => deliverWebhook(deps, { tenantId: d.tenantId!, deliveryId: d.deliveryId! }),
    'erasure-run': (d) => runErasure(deps, { tenantId: d.tenantId!, erasureId: d.erasureId! }),
    'portability-export': (d) => runPortabilityExport(deps, { tenantId: d.tenantId!, exportId: d.exportId! }),
  }),
  {
    queue: prefix,
    owner: `worker-${process.pid}-${randomUUID()}`,
    leaseMs: env.JOB_LEASE_SECONDS * 1000,
    log: deps.log,
  },
);
const scheduler = new JobScheduler({
  sources: [searchSource(drainer), jobs],
  lanes: env.JOB_LANES,
  pollMs: env.JOB_POLL_MS,
  weightOf: async (id) => (await deps.tenants.get(id))?.limits.jobWeight ?? 1,
  subscriber: new Redis(env.REDIS_URL, { maxRetriesPerRequest: null }),
  ringChannel: ringChannelOf(prefix),
  log: deps.log,
}).start();
// Outbox rows retried after a backoff and lost rings: the scheduler's poll covers both; this
// sweep only re-reads the tenants with pending rows at the configured search interval.
const searchSweep = setInterval(() => void scheduler.refresh(), env.SEARCH_SWEEP_SECONDS * 1000);
searchSweep.unref();
const sealer = new AuditSealer(deps.db.$client, deps.log);
sealer.start();
const janitor = new Janitor(deps, {
  intervalMs: env.JANITOR_INTERVAL_SECONDS * 1000,
  graceMs: env.ORPHAN_GRACE_HOURS * 3_600_000,
});
janitor.start();
const stopSweeps = startCollabSweeps(deps, {
  mailer,
  emailSweepMs: env.EMAIL_SWEEP_SECONDS * 1000,
  sweepsEnqueue: true,
  sweeps: [
    // Portability exports whose job was lost: run here (each export resumes or restarts itself).
    {
      everyMs: env.BULK_SWEEP_SECONDS * 1000,
      run: async (tenantId) => {
        for (const exportId of await dueExports(deps, tenantId))
          await runPortabilityExport(deps, { tenantId, exportId });
      },
    },
    // Erasures whose job was lost or whose worker died: run here (rare; each is idempotent per step).
    { everyMs: env.BULK_SWEEP_SECONDS * 1000, run: (tenantId) => sweepErasures(deps, tenantId) },
    // Retention: each enabled policy once a day (the sweep only finds those due).
    { everyMs: env.BULK_SWEEP_SECONDS * 1000, run: (tenantId) => runDuePolicies(deps, tenantId) },
    {
      everyMs: env.BULK_SWEEP_SECONDS * 1000,
      run: (tenantId) =>
        sweepBulkJobs(deps, tenantId, (jobId) =>
          deps.jobs.enqueue({ tenantId, kind: 'bulk-run', key: jobId, payload: { jobId } }),
        ),
    },
    {
      everyMs: env.BULK_SWEEP_SECONDS * 1000,
      run: async (tenantId) => {
        for (const deliveryId of await dueDeliveries(deps, tenantId))
          await deps.jobs.enqueue({
            tenantId,
            kind: 'webhook-deliver',
            key: `${deliveryId}-sweep`,
            payload: { deliveryId },
          });
      },
    },
  ],
});
deps.log.info('cell worker started', { engine: deps.searchIndex.engine });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void (async () => {
      clearInterval(searchSweep);
      stopSweeps();
      await Promise.all([scheduler.stop(), sealer.stop(), janitor.stop()]);
      await drainer.stop();
      mailer.close();
      await Promise.all([closeExtraction(), closePreviews()]);
      await close();
      process.exit(0);
    })();
  });
}
