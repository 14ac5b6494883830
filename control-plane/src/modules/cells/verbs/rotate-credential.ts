import { NotFound } from '@quire/shared/errors';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { presentCell } from '../presenter.ts';
import { homedCounts, updateCell } from '../repo.ts';
import { newCredential } from './credential.ts';

/** Replaces a cell's credential: the old one stops working at once; the new one is shown once. */
export async function rotateCredential({ ctx, input }: { ctx: OpsCtx; input: { id: string } }) {
  const { credential, stored } = newCredential(ctx.deps.secretKey, input.id);
  const row = await ctx.deps.db.transaction(async (tx) => {
    const row = await updateCell(tx, input.id, { ...stored, updatedAt: ctx.deps.clock.now() });
    if (!row) throw new NotFound('cell');
    await auditAction(tx, ctx, { action: 'cells.rotate-credential', targetType: 'cell', targetId: input.id });
    return row;
  });
  const homed = await homedCounts(ctx.deps.db);
  return { cell: presentCell(row, homed.get(input.id) ?? 0), credential };
}
