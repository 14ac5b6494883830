import { randomBytes } from 'node:crypto';
import type { IsolationTier } from '@quire/shared/plans';
import { createOpenSearchClient, OpenSearchSearchIndex } from '../../src/adapters/search-index/opensearch.ts';
import type { SearchIndex } from '../../src/adapters/search-index/port.ts';
import { PostgresSearchIndex } from '../../src/adapters/search-index/postgres.ts';
import { createDb } from '../../src/db/client.ts';

/**
 * The engines the shared cases (cases.ts) run against, each on its real server. An entry
 * starts an engine, hands out fresh tenants placed the way the entry is about (a shared
 * pooled index, or an index per tenant), and cleans up. Add engines and placements here;
 * every case then runs for them too.
 */
export interface EngineUnderTest {
  name: string;
  start(): Promise<StartedEngine>;
}

export interface StartedEngine {
  index: SearchIndex;
  /** A tenant no other test uses, already prepared in the engine. */
  newTenant(): Promise<string>;
  stop(): Promise<void>;
}

export function tenantIdFor(label: string): string {
  return `ten_${label}-${randomBytes(5).toString('hex')}`;
}

/** Postgres full-text search on the run's cell database, as the app role (RLS on). */
export const postgresEngine: EngineUnderTest = {
  name: 'postgres',
  async start() {
    const url = process.env.QUIRE_TEST_DATABASE_URL;
    if (!url) throw new Error('QUIRE_TEST_DATABASE_URL is not set (test/support/global-setup.ts)');
    const { sql, db } = createDb(url, 5);
    const index = new PostgresSearchIndex(db);
    const tenants: string[] = [];
    return {
      index,
      async newTenant(tier: IsolationTier = 'pooled') {
        const id = tenantIdFor('pg');
        await index.ensureTenant(id, tier);
        tenants.push(id);
        return id;
      },
      async stop() {
        for (const t of tenants) await index.dropTenant(t);
        await index.close();
        await sql.end({ timeout: 5 });
      },
    };
  },
};

/**
 * OpenSearch on the local stack's node (QUIRE_OPENSEARCH_URL from .local/stack.json), under an
 * index prefix of its own per start, deleted on stop. `pooled`: every tenant of the run shares
 * one routed index (the tenant filter is what keeps them apart); `dedicated`: one index per tenant.
 */
function openSearchEngine(name: string, tier: IsolationTier): EngineUnderTest {
  return {
    name,
    async start() {
      const url = process.env.QUIRE_OPENSEARCH_URL;
      if (!url) {
        throw new Error(
          'QUIRE_OPENSEARCH_URL is not set: the local stack has no OpenSearch (bash infra/local/stack.sh up)',
        );
      }
      const prefix = `qe-${randomBytes(4).toString('hex')}`;
      const admin = createOpenSearchClient({ url });
      await admin.cluster.health({ wait_for_status: 'yellow', timeout: '30s' }).catch((err: unknown) => {
        throw new Error(`OpenSearch at ${url} is unreachable (bash infra/local/stack.sh up)`, { cause: err });
      });
      // refresh: true (a refresh per write) keeps these cases fast; opensearch-adapter.test.ts runs the default 'wait_for'.
      const index = new OpenSearchSearchIndex({ url, indexPrefix: prefix, replicas: 0, refresh: true });
      return {
        index,
        async newTenant() {
          const id = tenantIdFor('os');
          await index.ensureTenant(id, tier);
          return id;
        },
        async stop() {
          await index.close();
          await admin.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true });
          await admin.close();
        },
      };
    },
  };
}

export const openSearchPooledEngine = openSearchEngine('opensearch (pooled)', 'pooled');
export const openSearchPerTenantEngine = openSearchEngine('opensearch (per-tenant index)', 'dedicated');

export const ENGINES: EngineUnderTest[] = [postgresEngine, openSearchPooledEngine, openSearchPerTenantEngine];
