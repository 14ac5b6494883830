import { randomBytes } from 'node:crypto';
import type { IsolationTier } from '@quire/shared/plans';
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

export const ENGINES: EngineUnderTest[] = [postgresEngine];
