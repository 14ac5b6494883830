import { NotFound, QuireError } from '@quire/shared/errors';
import type { IsolationTier } from '@quire/shared/plans';
import type { SealingJwk } from '@quire/shared/routing';
import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { canServe, documentsText, engineCapacityConflict, searchCapacity } from './capacity.ts';

export interface Placement {
  cellId: string;
  sealingKey: SealingJwk;
}

interface RegionCell extends Record<string, unknown> {
  id: string;
  capacity: number;
  tenant_count: number;
  homed: number;
  has_dedicated: boolean;
  /** Up with a fresh heartbeat, not draining, registered (base URL and sealing key known). */
  available: boolean;
  sealing_key: SealingJwk;
  search_engine: string | null;
  max_tenant_documents: string | number | null;
}

/**
 * Picks the home cell for a new tenant: a cell of the requested region that is up (fresh
 * heartbeat), not draining, with room (the larger of its own count and ours below its
 * capacity), whose search engine serves the plan's documents quota, least loaded first. A
 * `dedicated` tenant needs an empty cell, and a cell that homes one takes no one else. Locks
 * the region's cells, so concurrent placements cannot overfill one.
 *
 * When cells with room exist but no engine among them serves the quota (or no cell of the
 * region does at all), the answer is a 409 naming the cells that could serve it: more room
 * would not help. No room anywhere is a 503 `no_capacity`, as before. A region no cell was
 * ever opened in is a 404: waiting would not help either.
 */
export async function placeTenant(
  tx: Tx,
  input: {
    region: string;
    tier: IsolationTier;
    /** The plan's documents quota (null = unlimited): the engine must serve a tenant that large. */
    documents: number | null;
    now: Date;
    heartbeatTimeoutSeconds: number;
  },
): Promise<Placement> {
  const fresh = new Date(input.now.getTime() - input.heartbeatTimeoutSeconds * 1000);
  // Lock the region's cells first, then count in a new statement: under READ COMMITTED that
  // statement sees every placement committed while we waited for the lock.
  await tx.execute(sql`select id from cells where region = ${input.region} order by id for update`);
  const rows = (await tx.execute(sql`
    select c.id, c.capacity, c.tenant_count, c.sealing_key, c.search_engine, c.max_tenant_documents,
      (c.health = 'up' and not c.draining and c.last_heartbeat_at > ${fresh.toISOString()}::timestamptz
        and c.base_url is not null and c.sealing_key is not null) as available,
      (select count(*)::int from tenants t where t.cell_id = c.id and t.status <> 'deleted') as homed,
      exists (select 1 from tenants t where t.cell_id = c.id and t.tier = 'dedicated' and t.status <> 'deleted') as has_dedicated
    from cells c
    where c.region = ${input.region}
    order by c.id`)) as unknown as RegionCell[];
  if (rows.length === 0)
    throw new NotFound(`region ${input.region}`, { reason: 'unknown_region', region: input.region });
  const load = (c: RegionCell) => Math.max(c.homed, c.tenant_count);
  const capable = (c: RegionCell) =>
    canServe(
      searchCapacity({
        searchEngine: c.search_engine,
        maxTenantDocuments: c.max_tenant_documents === null ? null : Number(c.max_tenant_documents),
      }),
      input.documents,
    );
  const withRoom = rows
    .filter((c) => c.available && load(c) < c.capacity && !c.has_dedicated)
    .filter((c) => input.tier !== 'dedicated' || load(c) === 0);
  const chosen = withRoom
    .filter(capable)
    .sort(
      (a, b) => load(a) / a.capacity - load(b) / b.capacity || load(a) - load(b) || a.id.localeCompare(b.id),
    )[0];
  if (chosen) return { cellId: chosen.id, sealingKey: chosen.sealing_key };

  const capableCellIds = rows.filter(capable).map((c) => c.id);
  if (rows.length > 0 && (withRoom.length > 0 || capableCellIds.length === 0))
    throw engineCapacityConflict(
      `no cell of region ${input.region} with room runs a search engine that serves a tenant of ${documentsText(input.documents)} documents`,
      { region: input.region, tier: input.tier, documents: input.documents, capableCellIds },
    );
  throw new QuireError('unavailable', `no active cell with room in region ${input.region}`, {
    reason: 'no_capacity',
    region: input.region,
    tier: input.tier,
    cellsConsidered: rows.filter((c) => c.available).length,
  });
}
