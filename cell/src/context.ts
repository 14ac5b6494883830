import type { Logger } from '@quire/shared/log';
import type { IsolationTier, PlanId, PlanLimits } from '@quire/shared/plans';
import type { RequestIdVariables } from '@quire/shared/request-id';
import type { AccessClaims } from '@quire/shared/tokens';
import type { Redis } from 'ioredis';
import type { BlobStore } from './adapters/blob-store/port.ts';
import type { Keyring } from './adapters/keyring/port.ts';
import type { SearchIndex } from './adapters/search-index/port.ts';
import type { AuditGroupCommit } from './audit-trail/group-commit.ts';
import type { RequestTarget } from './auth/credentials.ts';
import type { LoginThrottle } from './auth/login-throttle.ts';
import type { TokenService } from './auth/token-service.ts';
import type { SealingKey } from './crypto/sealing-key.ts';
import type { Db } from './db/client.ts';
import type { CollabQueue } from './jobs/collab-queue.ts';
import type { SearchDoorbell } from './jobs/doorbell.ts';
import type { JobQueue } from './jobs/scheduler/queue.ts';
import type { ConcurrencySlots } from './jobs/slots.ts';
import type { CellMetrics } from './metrics/cell-metrics.ts';
import type { ClientInfo } from './middleware/client-info.ts';
import type { EdgeVariables } from './middleware/edge-assertion.ts';
import type { RateLimiter } from './rate-limit/limiter.ts';
import type { ConfigStore, FlagValues } from './tenant-context/config-store.ts';
import type { TenantDirectory } from './tenant-context/directory.ts';

/** Everything a cell's code reaches outside itself, built once at boot (or by the test harness). */
export interface CellDeps {
  cellId: string;
  trustProxy: boolean;
  internalApiToken: string;
  db: Db;
  blobs: BlobStore;
  keyring: Keyring;
  redis: Redis;
  tokens: TokenService;
  loginThrottle: LoginThrottle;
  tenants: TenantDirectory;
  /** Opens payloads the control plane sealed to this cell (the first admin at provisioning). */
  sealing: SealingKey;
  /** The last configuration pulled from the control plane (flags, plan overrides). */
  config: ConfigStore;
  /** The edge's shared secret, when this cell sits behind one. */
  edge: { secret: string | undefined; required: boolean };
  /** The cell's search engine (SEARCH_ENGINE), behind the one SearchIndex port. */
  searchIndex: SearchIndex;
  /** Durable audit appends for reads and denials, shared by concurrent requests. */
  auditTrail: AuditGroupCommit;
  /** SSO: whether identity providers may be on plain http or private addresses (local use only). */
  sso: { allowInsecureIdp: boolean };
  /** Wakes the search worker after a commit that wrote outbox rows. */
  searchDoorbell: SearchDoorbell;
  /** Mail digests, bulk jobs and webhook deliveries for the worker (after the commit). */
  collabQueue: CollabQueue;
  collab: CollabSettings;
  /** Every background job goes through this queue (jobs/scheduler/): fair, weighted, depth-limited. */
  jobs: JobQueue;
  /** Concurrency slots (uploads) as expiring Redis leases. */
  slots: ConcurrencySlots;
  uploads: UploadSettings;
  /** Plan rate limits (null: off, a benchmark's baseline only). */
  rateLimiter: RateLimiter | null;
  rateLimits: { userPerMinute: number };
  metrics: CellMetrics;
  /** Bearer credential of GET /internal/metrics. */
  metricsToken: string;
  /** Run first when the deps close (live sockets, their Redis subscriber). */
  cleanup: (() => Promise<void>)[];
  log: Logger;
}

/** Resumable upload settings from the environment (env.ts). */
export interface UploadSettings {
  slotTtlMs: number;
  expiryMs: number;
  partBytes: number;
}

/** Collaboration settings from the environment (env.ts). */
export interface CollabSettings {
  publicBaseUrl: string | undefined;
  emailBatchSeconds: number;
  emailDigestSeconds: number;
  presenceTtlSeconds: number;
  presenceRecheckSeconds: number;
  webhookAllowPrivateTargets: boolean;
  webhookRetryBaseSeconds: number;
}

export interface TenantRecord {
  id: string;
  slug: string;
  status: 'active' | 'suspended' | 'offboarding';
  plan: PlanId;
  tier: IsolationTier;
  keyRef: string;
  /** The plan's limits with the control plane's per-tenant overrides applied. */
  limits: PlanLimits;
  /** Effective feature flags from the control plane (empty for a standalone cell). */
  flags: FlagValues;
}

/** What every tenant-scoped verb receives: who asks, for which tenant, from where. */
export interface RequestCtx {
  deps: CellDeps;
  requestId: string;
  client: ClientInfo;
  tenant: TenantRecord;
  claims: AccessClaims;
  /** Method and path, for the credential's scope check once the actor is loaded (auth/credentials.ts). */
  request: RequestTarget;
  /** Where the access token came from: the Authorization header, or the browser session cookie. */
  via: 'header' | 'cookie';
}

export type AppEnv = { Variables: RequestIdVariables & EdgeVariables & { deps: CellDeps; ctx: RequestCtx } };
