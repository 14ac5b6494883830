import type { Logger } from '@quire/shared/log';
import type { RequestIdVariables } from '@quire/shared/request-id';
import type { Actor } from './actor.ts';
import type { CellClient } from './cell-api/client.ts';
import type { Db, Sql } from './db/client.ts';
import type { CpMetrics } from './metrics.ts';

/** Wall time, injectable so tests can step past heartbeat windows and key retirements. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** DNS TXT lookups, for domain verification (tests put a stub here: the one boundary not run for real). */
export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** Everything the control plane's code reaches outside itself, built once at boot (or by a test). */
export interface CpDeps {
  db: Db;
  sql: Sql;
  /** A separate small pool holding the saga's advisory locks (never waits on `sql`). */
  lockSql: Sql;
  clock: Clock;
  log: Logger;
  cells: CellClient;
  secretKey: Buffer;
  bootstrapToken: string;
  edgeToken: string;
  heartbeatTimeoutSeconds: number;
  metrics: CpMetrics;
  /** Bearer credential of GET /internal/metrics; undefined: the endpoint is off. */
  metricsToken: string | undefined;
  dns: TxtResolver;
  /** Days an offboarding tenant stays read-only (and can be reactivated) before deletion; default 30. */
  offboardingGraceDays?: number;
  /** Tests only (never honoured in production): crash at this point of the saga. */
  failpoint: 'after-cell-provisioned' | undefined;
}

export type AppEnv = { Variables: RequestIdVariables & { deps: CpDeps; actor: Actor } };

/** What an admin verb runs with: the dependencies, who asks, and the request id its audit entry carries. */
export interface OpsCtx {
  deps: CpDeps;
  actor: Actor;
  requestId: string;
}
