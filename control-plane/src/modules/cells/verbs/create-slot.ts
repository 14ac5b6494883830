import { Conflict } from '@quire/shared/errors';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { isUniqueViolation } from '../../../db/errors.ts';
import { presentCell } from '../presenter.ts';
import { insertCell } from '../repo.ts';
import { newCredential } from './credential.ts';

/** Opens a slot for a cell; the region team deploys it with the credential returned (once). */
export async function createSlot({ ctx, input }: { ctx: OpsCtx; input: { id: string; region: string } }) {
  const { credential, stored } = newCredential(ctx.deps.secretKey, input.id);
  const row = await ctx.deps.db
    .transaction(async (tx) => {
      const row = await insertCell(tx, { id: input.id, region: input.region, ...stored, capacity: 0 });
      await auditAction(tx, ctx, {
        action: 'cells.create',
        targetType: 'cell',
        targetId: input.id,
        details: { region: input.region },
      });
      return row;
    })
    .catch((err) => {
      if (isUniqueViolation(err))
        throw new Conflict(`cell ${input.id} already exists`, { reason: 'cell_exists' });
      throw err;
    });
  return { cell: presentCell(row, 0), credential };
}
