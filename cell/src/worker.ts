/**
 * The cell's worker process: `node cell/src/worker.ts`, with the same environment as the
 * API server (cell/src/env.ts). Runs the search pipeline (outbox → extraction → index) and
 * the audit sealer (chains committed audit entries) and the janitor (orphan blobs, expired
 * idempotency keys); more job kinds join here. Any number of worker processes may run side by side.
 */
import { createDeps } from './deps.ts';
import { parseEnv } from './env.ts';
import { queuePrefix } from './jobs/doorbell.ts';
import { AuditSealer } from './modules/audit/sealer.ts';
import { runBulkJob } from './modules/bulk/run.ts';
import { sweepBulkJobs } from './modules/bulk/sweep.ts';
import { startCollabWorker } from './modules/collab-jobs/worker.ts';
import { closeExtraction } from './modules/extraction/extract.ts';
import { Janitor } from './modules/janitor/janitor.ts';
import { createMailer } from './modules/notifications/email/mailer.ts';
import { dueExports, runPortabilityExport } from './modules/portability/run.ts';
import { closePreviews } from './modules/previews/render.ts';
import { startSearchWorker } from './modules/search/worker.ts';
import { deliverWebhook, dueDeliveries } from './modules/webhooks/deliver.ts';

const env = parseEnv();
const { deps, close } = await createDeps(env);
const search = startSearchWorker(deps, {
  redisUrl: env.REDIS_URL,
  queuePrefix: queuePrefix(env.CELL_ID, env.QUEUE_PREFIX),
  sweepMs: env.SEARCH_SWEEP_SECONDS * 1000,
  lanes: env.SEARCH_WORKER_CONCURRENCY,
});
const sealer = new AuditSealer(deps.db.$client, deps.log);
sealer.start();
const janitor = new Janitor(deps, {
  intervalMs: env.JANITOR_INTERVAL_SECONDS * 1000,
  graceMs: env.ORPHAN_GRACE_HOURS * 3_600_000,
});
janitor.start();
const collab = startCollabWorker(deps, {
  redisUrl: env.REDIS_URL,
  queuePrefix: queuePrefix(env.CELL_ID, env.QUEUE_PREFIX),
  mailer: createMailer({ url: env.SMTP_URL, from: env.SMTP_FROM }),
  concurrency: env.COLLAB_WORKER_CONCURRENCY,
  emailSweepMs: env.EMAIL_SWEEP_SECONDS * 1000,
  handlers: {
    'bulk-run': (d) => runBulkJob(deps, { tenantId: d.tenantId!, jobId: d.jobId! }),
    'webhook-deliver': (d) => deliverWebhook(deps, { tenantId: d.tenantId!, deliveryId: d.deliveryId! }),
    'portability-export': (d) => runPortabilityExport(deps, { tenantId: d.tenantId!, exportId: d.exportId! }),
  },
  sweeps: [
    {
      everyMs: env.BULK_SWEEP_SECONDS * 1000,
      run: async (tenantId) => {
        for (const exportId of await dueExports(deps, tenantId))
          await runPortabilityExport(deps, { tenantId, exportId });
      },
    },
    { everyMs: env.BULK_SWEEP_SECONDS * 1000, run: (tenantId) => sweepBulkJobs(deps, tenantId) },
    {
      everyMs: env.BULK_SWEEP_SECONDS * 1000,
      run: async (tenantId) => {
        for (const deliveryId of await dueDeliveries(deps, tenantId))
          await deliverWebhook(deps, { tenantId, deliveryId });
      },
    },
  ],
});
deps.log.info('cell worker started', { engine: deps.searchIndex.engine });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void (async () => {
      await Promise.all([search.stop(), sealer.stop(), janitor.stop(), collab.stop()]);
      await Promise.all([closeExtraction(), closePreviews()]);
      await close();
      process.exit(0);
    })();
  });
}
