import { dirname, join } from 'node:path';
import { createLogger, type Logger } from '@quire/shared/log';
import { Redis } from 'ioredis';
import { FsBlobStore } from './adapters/blob-store/fs.ts';
import type { BlobStore } from './adapters/blob-store/port.ts';
import { createS3Client, S3BlobStore } from './adapters/blob-store/s3.ts';
import { createKmsClient, KmsKeyring } from './adapters/keyring/kms.ts';
import { LocalKeyring } from './adapters/keyring/local.ts';
import type { Keyring } from './adapters/keyring/port.ts';
import { createSearchIndex } from './adapters/search-index/index.ts';
import { AuditGroupCommit } from './audit-trail/group-commit.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { TokenService } from './auth/token-service.ts';
import type { CellDeps } from './context.ts';
import { SealingKey } from './crypto/sealing-key.ts';
import { createDb } from './db/client.ts';
import type { CellEnv } from './env.ts';
import { CollabQueue } from './jobs/collab-queue.ts';
import { queuePrefix, SearchDoorbell } from './jobs/doorbell.ts';
import { JobQueue, ringChannelOf } from './jobs/scheduler/queue.ts';
import { ConcurrencySlots } from './jobs/slots.ts';
import { CellMetrics } from './metrics/cell-metrics.ts';
import { quotaGaugeRows } from './modules/quotas/figures.ts';
import { searchBacklog } from './modules/search/backlog.ts';
import { RateLimiter } from './rate-limit/limiter.ts';
import { TenantChanges } from './tenant-context/changes.ts';
import { ConfigStore } from './tenant-context/config-store.ts';
import { TenantDirectory } from './tenant-context/directory.ts';

/** Builds the cell's adapters from validated configuration: the one place choosing implementations. */
export async function createDeps(
  env: CellEnv,
  log: Logger = createLogger(env.LOG_LEVEL, { cell: env.CELL_ID }),
) {
  const { sql, db } = createDb(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  // commandTimeout: while Redis is down, ioredis would queue a request's commands until it is back
  // (a hang); they fail after the timeout instead, which the error handler answers as a 503.
  const redis = new Redis(env.REDIS_URL, {
    maxRetriesPerRequest: null,
    lazyConnect: false,
    commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS,
  });
  const blobs: BlobStore =
    env.BLOB_STORE === 's3'
      ? new S3BlobStore({
          client: createS3Client({ endpoint: env.S3_ENDPOINT, region: env.S3_REGION }),
          bucket: env.S3_BUCKET!,
        })
      : new FsBlobStore(env.BLOB_DIR!);
  const keyring: Keyring =
    env.KEYRING === 'kms'
      ? new KmsKeyring({
          client: createKmsClient({ endpoint: env.KMS_ENDPOINT, region: env.KMS_REGION }),
          cellId: env.CELL_ID,
        })
      : new LocalKeyring(env.KEYRING_DIR!);
  const tokens = await TokenService.load({
    cellId: env.CELL_ID,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    keyFile: env.SIGNING_KEY_FILE,
  });
  const stateDir = dirname(env.SIGNING_KEY_FILE);
  const sealing = await SealingKey.load(env.SEALING_KEY_FILE ?? join(stateDir, 'sealing-key.json'));
  const config = new ConfigStore(
    env.CONTROL_PLANE_URL ? (env.CONFIG_CACHE_FILE ?? join(stateDir, 'cell-config.json')) : null,
  );
  const searchIndex = await createSearchIndex(
    {
      engine: env.SEARCH_ENGINE,
      opensearchUrl: env.OPENSEARCH_URL,
      opensearchReplicas: env.OPENSEARCH_REPLICAS,
      cellId: env.CELL_ID,
    },
    db,
  );
  const searchDoorbell = new SearchDoorbell(redis, queuePrefix(env.CELL_ID, env.QUEUE_PREFIX), log);
  const tenantChanges = new TenantChanges(redis, env.CELL_ID, log);
  const tenants = new TenantDirectory(db, config, tenantChanges);
  const prefix = queuePrefix(env.CELL_ID, env.QUEUE_PREFIX);
  const jobs = new JobQueue(db, redis, {
    queue: prefix,
    ringChannel: ringChannelOf(prefix),
    depthLimit: async (tenantId) =>
      env.JOB_QUEUE_DEPTH_PER_WEIGHT * Math.max(1, (await tenants.get(tenantId))?.limits.jobWeight ?? 1),
    log,
  });
  const collabQueue = new CollabQueue(jobs);
  await tenants.listen();
  const metrics = new CellMetrics({ cellId: env.CELL_ID, topN: env.METRICS_TOP_TENANTS });
  metrics.setSources({ quotas: () => quotaGaugeRows(db, config), jobs: () => searchBacklog(db) });
  const rateLimiter = env.RATE_LIMIT_ENABLED
    ? new RateLimiter({
        url: env.RATE_LIMIT_REDIS_URL ?? env.REDIS_URL,
        cellId: env.CELL_ID,
        timeoutMs: env.RATE_LIMIT_TIMEOUT_MS,
        log,
        onDegraded: (on) => metrics.limiterDegraded.set(on ? 1 : 0),
      })
    : null;
  const deps: CellDeps = {
    cellId: env.CELL_ID,
    trustProxy: env.TRUST_PROXY,
    internalApiToken: env.INTERNAL_API_TOKEN,
    db,
    blobs,
    keyring,
    redis,
    tokens,
    loginThrottle: new LoginThrottle(redis),
    tenants,
    sealing,
    config,
    edge: { secret: env.EDGE_ASSERTION_SECRET, required: env.EDGE_ASSERTION_REQUIRED },
    searchIndex,
    searchDoorbell,
    sso: { allowInsecureIdp: env.SSO_ALLOW_INSECURE_IDP },
    collabQueue,
    jobs,
    slots: new ConcurrencySlots(redis, { prefix, ttlMs: env.UPLOAD_SLOT_TTL_SECONDS * 1000, log }),
    uploads: {
      slotTtlMs: env.UPLOAD_SLOT_TTL_SECONDS * 1000,
      expiryMs: env.UPLOAD_EXPIRY_HOURS * 3_600_000,
      partBytes: env.UPLOAD_PART_MB * 1024 * 1024,
    },
    collab: {
      publicBaseUrl: env.PUBLIC_BASE_URL,
      emailBatchSeconds: env.EMAIL_BATCH_SECONDS,
      emailDigestSeconds: env.EMAIL_DIGEST_SECONDS,
      presenceTtlSeconds: env.PRESENCE_TTL_SECONDS,
      presenceRecheckSeconds: env.PRESENCE_RECHECK_SECONDS,
      webhookAllowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      webhookRetryBaseSeconds: env.WEBHOOK_RETRY_BASE_SECONDS,
    },
    auditTrail: new AuditGroupCommit(sql),
    rateLimiter,
    rateLimits: { userPerMinute: env.RATE_LIMIT_USER_PER_MINUTE },
    metrics,
    metricsToken: env.METRICS_TOKEN ?? env.INTERNAL_API_TOKEN,
    cleanup: [],
    log,
  };
  const close = async () => {
    for (const step of deps.cleanup.splice(0)) await step().catch(() => {});
    await deps.auditTrail.drained();
    await tenantChanges.close();
    await searchDoorbell.close().catch(() => {});
    await collabQueue.close().catch(() => {});
    await searchIndex.close();
    await rateLimiter?.close();
    await sql.end({ timeout: 5 });
    redis.disconnect();
  };
  return { deps, close };
}
