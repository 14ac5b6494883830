/**
 * A worker process for the scheduler crash test (scheduler-crash.test.ts): the real scheduler
 * and `jobs` source against the test cell's database, with one job kind whose effect is
 * visible (an audit entry naming the job) and commits with the job's completion. The test
 * kills it with -9 in the middle of the run.
 */
import { randomUUID } from 'node:crypto';
import { silentLogger } from '@quire/shared/log';
import { Redis } from 'ioredis';
import { appendInTx } from '../../src/audit-trail/append.ts';
import { auditEntry } from '../../src/audit-trail/entry.ts';
import { createDb } from '../../src/db/client.ts';
import { withTenantTx } from '../../src/db/tenant-tx.ts';
import { ringChannelOf } from '../../src/jobs/scheduler/queue.ts';
import { JobScheduler } from '../../src/jobs/scheduler/scheduler.ts';
import { TableSource } from '../../src/jobs/scheduler/table-source.ts';

const queue = process.env.TEST_QUEUE!;
const { db } = createDb(process.env.DATABASE_URL!, 6);
const source = new TableSource(
  db,
  {
    'test-append': async (job) => {
      await new Promise((r) => setTimeout(r, 15)); // work in flight when the kill lands
      await withTenantTx(db, job.tenantId, async (tx) => {
        await appendInTx(tx, [
          auditEntry(
            { tenantId: job.tenantId, requestId: job.id, ip: null, userAgent: null },
            'scheduler-test',
            { action: 'test.job_ran', resourceType: 'job', resourceId: job.id },
            'system',
          ),
        ]);
        await job.complete(tx);
      });
    },
  },
  { queue, owner: `child-${process.pid}-${randomUUID()}`, leaseMs: 1500, log: silentLogger },
);
new JobScheduler({
  sources: [source],
  lanes: 3,
  pollMs: 100,
  weightOf: async () => 1,
  subscriber: new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null }),
  ringChannel: ringChannelOf(queue),
  log: silentLogger,
}).start();
