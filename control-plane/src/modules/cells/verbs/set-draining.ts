import { NotFound } from '@quire/shared/errors';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { bumpVersions } from '../../../db/versions.ts';
import { presentCell } from '../presenter.ts';
import { homedCounts, lockCell, updateCell } from '../repo.ts';

/**
 * Drain (no new tenants; its tenants keep being served) or undrain a cell. The edge shows
 * the status, so a change moves the routing version; a repeat is a no-op, audited as such.
 */
export async function setDraining({ ctx, input }: { ctx: OpsCtx; input: { id: string; draining: boolean } }) {
  const { id, draining } = input;
  const row = await ctx.deps.db.transaction(async (tx) => {
    const before = await lockCell(tx, id);
    if (!before) throw new NotFound('cell');
    const row = await updateCell(tx, id, { draining, updatedAt: ctx.deps.clock.now() });
    const changed = before.draining !== draining;
    if (changed) await bumpVersions(tx, 'routing');
    await auditAction(tx, ctx, {
      action: draining ? 'cells.drain' : 'cells.undrain',
      targetType: 'cell',
      targetId: id,
      details: { changed },
    });
    return row!;
  });
  const homed = await homedCounts(ctx.deps.db);
  return { cell: presentCell(row, homed.get(id) ?? 0) };
}
