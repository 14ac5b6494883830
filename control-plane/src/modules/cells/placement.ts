import { QuireError } from '@quire/shared/errors';
import type { IsolationTier } from '@quire/shared/plans';
import type { SealingJwk } from '@quire/shared/routing';
import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';

export interface Placement {
  cellId: string;
  sealingKey: SealingJwk;
}

interface Candidate extends Record<string, unknown> {
  id: string;
  capacity: number;
  tenant_count: number;
  homed: number;
  has_dedicated: boolean;
  sealing_key: SealingJwk;
}

/**
 * Picks the home cell for a new tenant: a cell of the requested region that is up (fresh
 * heartbeat), not draining, with room (the larger of its own count and ours below its
 * capacity), least loaded first. A `dedicated` tenant needs an empty cell, and a cell that
 * homes one takes no one else. Locks the region's cells, so concurrent placements cannot
 * overfill one.
 */
export async function placeTenant(
  tx: Tx,
  input: { region: string; tier: IsolationTier; now: Date; heartbeatTimeoutSeconds: number },
): Promise<Placement> {
  const fresh = new Date(input.now.getTime() - input.heartbeatTimeoutSeconds * 1000);
  // Lock the region's cells first, then count in a new statement: under READ COMMITTED that
  // statement sees every placement committed while we waited for the lock.
  await tx.execute(sql`select id from cells where region = ${input.region} order by id for update`);
  const rows = (await tx.execute(sql`
    select c.id, c.capacity, c.tenant_count, c.sealing_key,
      (select count(*)::int from tenants t where t.cell_id = c.id and t.status <> 'deleted') as homed,
      exists (select 1 from tenants t where t.cell_id = c.id and t.tier = 'dedicated' and t.status <> 'deleted') as has_dedicated
    from cells c
    where c.region = ${input.region} and c.health = 'up' and not c.draining
      and c.last_heartbeat_at > ${fresh.toISOString()}::timestamptz
      and c.base_url is not null and c.sealing_key is not null
    order by c.id`)) as unknown as Candidate[];
  const load = (c: Candidate) => Math.max(c.homed, c.tenant_count);
  const candidates = rows
    .filter((c) => load(c) < c.capacity && !c.has_dedicated)
    .filter((c) => input.tier !== 'dedicated' || load(c) === 0)
    .sort(
      (a, b) => load(a) / a.capacity - load(b) / b.capacity || load(a) - load(b) || a.id.localeCompare(b.id),
    );
  const chosen = candidates[0];
  if (!chosen)
    throw new QuireError('unavailable', `no active cell with room in region ${input.region}`, {
      reason: 'no_capacity',
      region: input.region,
      tier: input.tier,
      cellsConsidered: rows.length,
    });
  return { cellId: chosen.id, sealingKey: chosen.sealing_key };
}
