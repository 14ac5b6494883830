import { DEFAULT_MAX_TENANT_DOCUMENTS } from '@quire/shared/routing';
import { z } from 'zod';

/** The cell's whole configuration, validated once at boot: a bad value stops the process with a clear message. */
const envSchema = z
  .object({
    CELL_ID: z
      .string()
      .regex(/^[a-z0-9-]{2,32}$/)
      .describe('This cell, e.g. us-1'),
    CELL_REGION: z.string().min(2).describe('Region the cell serves, e.g. us'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.string().url().describe('Postgres URL of the app role (not superuser, not owner)'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
    REDIS_URL: z.string().url(),
    REDIS_COMMAND_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(2_000)
      .describe('A Redis command of a request fails after this long (Redis down: a 503, never a hang)'),
    BLOB_STORE: z.enum(['fs', 's3']).default('fs'),
    BLOB_DIR: z.string().optional(),
    S3_ENDPOINT: z.string().url().optional(),
    S3_BUCKET: z.string().optional(),
    S3_REGION: z.string().default('us-east-1'),
    KEYRING: z.enum(['local', 'kms']).default('local'),
    KEYRING_DIR: z.string().optional(),
    KMS_ENDPOINT: z.string().url().optional(),
    KMS_REGION: z.string().default('us-east-1'),
    JWT_ISSUER: z
      .string()
      .min(1)
      .describe('iss of tokens this cell issues, e.g. https://us-1.cells.quire.example'),
    JWT_AUDIENCE: z.string().min(1).default('quire'),
    SIGNING_KEY_FILE: z
      .string()
      .describe('JSON file of this cell signing keys (created on first boot when absent)'),
    INTERNAL_API_TOKEN: z.string().min(32).describe('Credential of the control plane on the internal API'),
    SEALING_KEY_FILE: z
      .string()
      .optional()
      .describe(
        'JSON file of the key the control plane seals personal data to (default: beside SIGNING_KEY_FILE)',
      ),
    CONTROL_PLANE_URL: z
      .string()
      .url()
      .optional()
      .describe('Control plane to register with, heartbeat to and pull config from; unset = standalone'),
    CELL_BASE_URL: z
      .string()
      .url()
      .optional()
      .describe('URL the edge and control plane reach this cell at (default http://HOST:PORT)'),
    CELL_CAPACITY: z.coerce.number().int().min(0).default(1000).describe('Tenants this cell may home'),
    CELL_VERSION: z.string().min(1).max(64).default('dev'),
    HEARTBEAT_SECONDS: z.coerce.number().min(0.2).max(300).default(10),
    CONFIG_CACHE_FILE: z
      .string()
      .optional()
      .describe('Last config pulled from the control plane (default: beside SIGNING_KEY_FILE)'),
    EDGE_ASSERTION_SECRET: z
      .string()
      .min(32)
      .optional()
      .describe(
        'Secret shared with the edge; its assertion is then checked on every request that carries one',
      ),
    EDGE_ASSERTION_REQUIRED: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('Refuse user requests that did not come through the edge'),
    TRUST_PROXY: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    RATE_LIMIT_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true')
      .describe("Per-tenant and per-user rate limits from the plan (false only for benchmarks' baseline)"),
    RATE_LIMIT_REDIS_URL: z
      .string()
      .url()
      .optional()
      .describe('Redis of the rate limiter (default REDIS_URL); its own connection, failing fast'),
    RATE_LIMIT_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(10)
      .max(5000)
      .default(250)
      .describe('A limiter check waits this long for Redis, then the process limits on its own'),
    RATE_LIMIT_USER_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(600)
      .describe("One user's API calls per minute (abuse guard; never above the tenant's plan limit)"),
    METRICS_TOKEN: z
      .string()
      .min(32)
      .optional()
      .describe('Bearer credential of GET /internal/metrics (default: INTERNAL_API_TOKEN)'),
    METRICS_TOP_TENANTS: z.coerce
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(20)
      .describe('Tenants with a label of their own in per-tenant metrics; the rest are "other"'),
    SSO_ALLOW_INSECURE_IDP: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe(
        'Let tenants configure identity providers on plain http or private/loopback addresses (local stack and tests only)',
      ),
    SEARCH_ENGINE: z
      .enum(['postgres', 'opensearch'])
      .default('postgres')
      .describe('Search engine: Postgres full-text search (embedded default) or OpenSearch'),
    SEARCH_MAX_TENANT_DOCUMENTS: z
      .union([z.literal('unlimited'), z.coerce.number().int().min(1)])
      .optional()
      .describe(
        'Largest tenant (documents) this cell search engine serves, told to the control plane for placement; default per engine (shared DEFAULT_MAX_TENANT_DOCUMENTS)',
      ),
    OPENSEARCH_URL: z.string().url().optional().describe('OpenSearch node URL (SEARCH_ENGINE=opensearch)'),
    OPENSEARCH_REPLICAS: z.coerce
      .number()
      .int()
      .min(0)
      .max(5)
      .default(1)
      .describe('Replicas per OpenSearch index (0 on a single-node cluster)'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/)
      .optional()
      .describe('Redis key prefix of the cell job queues (default quire:<CELL_ID>)'),
    SEARCH_WORKER_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .max(32)
      .default(2)
      .describe('Outbox batches a worker process indexes at once'),
    SEARCH_SWEEP_SECONDS: z.coerce
      .number()
      .min(0.1)
      .max(3600)
      .default(5)
      .describe('How often a worker drains the outbox without a doorbell (lost jobs, retries)'),
    JANITOR_INTERVAL_SECONDS: z.coerce
      .number()
      .min(1)
      .max(86_400)
      .default(900)
      .describe('How often a worker removes orphan blobs, interrupted writes and expired idempotency keys'),
    ORPHAN_GRACE_HOURS: z.coerce
      .number()
      .min(1)
      .max(720)
      .default(24)
      .describe('Blobs no row refers to are removed once older than this (longer than any upload)'),
    PUBLIC_BASE_URL: z
      .string()
      .url()
      .optional()
      .describe(
        "Base URL of links this cell hands out (share links, mails), e.g. the region's hostname https://eu.quire.example; default: the hostname the request came in on through the edge",
      ),
    SMTP_URL: z
      .string()
      .url()
      .optional()
      .describe('SMTP server for notification mails (smtp:// or smtps://); unset = no mail is sent'),
    SMTP_FROM: z.string().min(3).max(200).default('Quire <no-reply@quire.invalid>'),
    EMAIL_BATCH_SECONDS: z.coerce
      .number()
      .min(0)
      .max(3600)
      .default(60)
      .describe('"instant" mail preference: notifications arriving within this window go out as one mail'),
    EMAIL_DIGEST_SECONDS: z.coerce
      .number()
      .min(1)
      .max(7 * 86_400)
      .default(3600)
      .describe('"digest" mail preference: at most one mail per this interval'),
    EMAIL_SWEEP_SECONDS: z.coerce
      .number()
      .min(1)
      .max(86_400)
      .default(300)
      .describe('How often a worker looks for mails whose job was lost'),
    PRESENCE_TTL_SECONDS: z.coerce
      .number()
      .min(2)
      .max(300)
      .default(30)
      .describe('A viewer whose socket stops answering is gone from presence within this'),
    PRESENCE_RECHECK_SECONDS: z.coerce
      .number()
      .min(1)
      .max(3600)
      .default(60)
      .describe('How often a live socket re-checks its session and the documents it watches'),
    BULK_SWEEP_SECONDS: z.coerce
      .number()
      .min(1)
      .max(86_400)
      .default(60)
      .describe('How often a worker resumes bulk jobs whose run was lost (crash, lost job)'),
    COLLAB_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
    JOB_LANES: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Units of background work (jobs, index batches) one worker process runs at once'),
    JOB_POLL_MS: z.coerce
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(1000)
      .describe('How often the scheduler looks for ready work without a ring (delayed jobs, expired leases)'),
    JOB_LEASE_SECONDS: z.coerce
      .number()
      .min(0.2)
      .max(3600)
      .default(30)
      .describe(
        'A claimed job is renewed every third of this; a worker killed mid-job frees it after this long',
      ),
    JOB_QUEUE_DEPTH_PER_WEIGHT: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(10_000)
      .describe(
        "A tenant's queue depth limit is this times its plan's jobWeight (10,000 / 30,000 / 100,000)",
      ),
    UPLOAD_SLOT_TTL_SECONDS: z.coerce
      .number()
      .min(0.2)
      .max(3600)
      .default(60)
      .describe('A concurrent-upload slot not renewed (bytes flowing) within this long expires and frees'),
    UPLOAD_EXPIRY_HOURS: z.coerce
      .number()
      .min(0.0001)
      .max(24 * 30)
      .default(24)
      .describe(
        'A resumable upload not finished this long after its last byte expires; the janitor removes it',
      ),
    UPLOAD_PART_MB: z.coerce
      .number()
      .int()
      .min(1)
      .max(512)
      .default(8)
      .describe('A resumable upload is stored (and acknowledged) in encrypted parts of this many MiB'),
    WEBHOOK_RETRY_BASE_SECONDS: z.coerce
      .number()
      .min(0.05)
      .max(3600)
      .default(10)
      .describe(
        'First webhook retry after this; each further one waits twice as long (at most an hour), 8 attempts in all',
      ),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('Let webhooks target loopback and private addresses (local development and tests only)'),
  })
  .superRefine((env, ctx) => {
    if (env.BLOB_STORE === 'fs' && !env.BLOB_DIR)
      ctx.addIssue({ code: 'custom', message: 'BLOB_DIR is required', path: ['BLOB_DIR'] });
    if (env.BLOB_STORE === 's3' && !env.S3_BUCKET)
      ctx.addIssue({ code: 'custom', message: 'S3_BUCKET is required', path: ['S3_BUCKET'] });
    if (env.EDGE_ASSERTION_REQUIRED && !env.EDGE_ASSERTION_SECRET)
      ctx.addIssue({
        code: 'custom',
        message: 'EDGE_ASSERTION_SECRET is required',
        path: ['EDGE_ASSERTION_SECRET'],
      });
    if (env.SEARCH_ENGINE === 'opensearch' && !env.OPENSEARCH_URL)
      ctx.addIssue({ code: 'custom', message: 'OPENSEARCH_URL is required', path: ['OPENSEARCH_URL'] });
    if (env.KEYRING === 'local' && !env.KEYRING_DIR)
      ctx.addIssue({ code: 'custom', message: 'KEYRING_DIR is required', path: ['KEYRING_DIR'] });
  })
  // The engine's default limit when none is given; `unlimited` is null, as in the heartbeat.
  .transform((env) => ({
    ...env,
    SEARCH_MAX_TENANT_DOCUMENTS:
      env.SEARCH_MAX_TENANT_DOCUMENTS === undefined
        ? DEFAULT_MAX_TENANT_DOCUMENTS[env.SEARCH_ENGINE]
        : env.SEARCH_MAX_TENANT_DOCUMENTS === 'unlimited'
          ? null
          : env.SEARCH_MAX_TENANT_DOCUMENTS,
  }));

export type CellEnv = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined> = process.env): CellEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid cell configuration:\n${lines}`);
  }
  return parsed.data;
}
