import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { CpMetricSources } from '../../metrics.ts';

/** What the metrics scrape reads: each cell's health and heartbeat age, each tenant's reported usage. */
export function cpMetricSources(db: Db): CpMetricSources {
  return {
    async cells() {
      const rows = await db.execute<{ id: string; health: string; age: string | null }>(
        sql`select id, health, extract(epoch from now() - last_heartbeat_at) as age from cells order by id`,
      );
      return rows.map((r) => ({
        id: r.id,
        up: r.health === 'up',
        heartbeatAgeSeconds: r.age === null ? null : Number(r.age),
      }));
    },
    async usage() {
      const rows = await db.execute<{
        tenant_id: string;
        storage_bytes: string;
        documents: string;
        users: string;
      }>(sql`select tenant_id, storage_bytes, documents, users from tenant_usage`);
      return rows.flatMap((r) => [
        { tenant: r.tenant_id, resource: 'storage', value: Number(r.storage_bytes) },
        { tenant: r.tenant_id, resource: 'documents', value: Number(r.documents) },
        { tenant: r.tenant_id, resource: 'users', value: Number(r.users) },
      ]);
    },
  };
}
