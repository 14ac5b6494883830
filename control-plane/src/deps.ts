import { Resolver } from 'node:dns/promises';
import { createLogger, type Logger } from '@quire/shared/log';
import { poolOptions } from '@quire/shared/node/pool-options';
import postgres from 'postgres';
import { HttpCellClient } from './cell-api/client.ts';
import { type CpDeps, systemClock } from './context.ts';
import { createDb } from './db/client.ts';
import type { CpEnv } from './env.ts';
import { CpMetrics } from './metrics.ts';
import { cpMetricSources } from './modules/cells/metric-sources.ts';

/** Builds the control plane's dependencies from validated configuration. */
export function createDeps(
  env: CpEnv,
  log: Logger = createLogger(env.LOG_LEVEL, { service: 'control-plane' }),
) {
  const { sql, db } = createDb(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  const lockSql = postgres(env.DATABASE_URL, { max: 4, ...poolOptions });
  const failpoint = env.NODE_ENV === 'production' ? undefined : env.CP_FAILPOINT;
  if (failpoint) log.warn('failpoint armed (tests only)', { failpoint });
  const metrics = new CpMetrics({ topN: env.METRICS_TOP_TENANTS });
  metrics.setSources(cpMetricSources(db));
  const deps: CpDeps = {
    db,
    sql,
    lockSql,
    clock: systemClock,
    log,
    cells: new HttpCellClient(env.CELL_CALL_TIMEOUT_SECONDS * 1000),
    secretKey: env.SECRET_KEY,
    bootstrapToken: env.OPS_BOOTSTRAP_TOKEN,
    edgeToken: env.EDGE_TOKEN,
    heartbeatTimeoutSeconds: env.HEARTBEAT_TIMEOUT_SECONDS,
    metrics,
    metricsToken: env.METRICS_TOKEN,
    offboardingGraceDays: env.OFFBOARDING_GRACE_DAYS,
    dns: new Resolver({ timeout: 3000, tries: 2 }),
    failpoint,
  };
  const close = async () => {
    await Promise.all([sql.end({ timeout: 5 }), lockSql.end({ timeout: 5 })]);
  };
  return { deps, close };
}
