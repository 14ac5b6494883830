import { and, eq, lt, lte } from 'drizzle-orm';
import type { CpDeps } from '../../context.ts';
import { cellKeys, cells } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';

/**
 * Marks `down` every cell whose last heartbeat is older than the window, and drops retired
 * keys whose tokens have all expired. Either moves the routing version (the edge must know).
 */
export async function sweepCells(
  deps: CpDeps,
  o: { listeningSince?: Date } = {},
): Promise<{ down: string[]; droppedKeys: number }> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.heartbeatTimeoutSeconds * 1000);
  // Heartbeats sent while this control plane was not running could not arrive: a cell is
  // judged only once the control plane has listened for a whole window.
  const canJudge = !o.listeningSince || cutoff >= o.listeningSince;
  const result = await deps.db.transaction(async (tx) => {
    const down = canJudge
      ? await tx
          .update(cells)
          .set({ health: 'down', updatedAt: now })
          .where(and(eq(cells.health, 'up'), lt(cells.lastHeartbeatAt, cutoff)))
          .returning({ id: cells.id })
      : [];
    const dropped = await tx
      .delete(cellKeys)
      .where(lte(cellKeys.retiresAt, now))
      .returning({ kid: cellKeys.kid });
    if (down.length > 0 || dropped.length > 0) await bumpVersions(tx, 'routing');
    return { down: down.map((d) => d.id), droppedKeys: dropped.length };
  });
  for (const id of result.down) deps.log.warn('cell down: no heartbeat within the window', { cellId: id });
  return result;
}
