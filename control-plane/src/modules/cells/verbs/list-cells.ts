import { NotFound } from '@quire/shared/errors';
import type { OpsCtx } from '../../../context.ts';
import { presentCell } from '../presenter.ts';
import { homedCounts, selectCell, selectCells } from '../repo.ts';

/** Every cell with its status and load (what it reports, and what we homed there). */
export async function listCells({ ctx }: { ctx: OpsCtx }) {
  const rows = await selectCells(ctx.deps.db);
  const homed = await homedCounts(ctx.deps.db);
  return { cells: rows.map((r) => presentCell(r, homed.get(r.id) ?? 0)) };
}

export async function getCell({ ctx, input }: { ctx: OpsCtx; input: { id: string } }) {
  const row = await selectCell(ctx.deps.db, input.id);
  if (!row) throw new NotFound('cell');
  const homed = await homedCounts(ctx.deps.db);
  return { cell: presentCell(row, homed.get(input.id) ?? 0) };
}
