import type { OpsRole } from '../../../actor.ts';
import type { OpsCtx } from '../../../context.ts';
import { randomToken, sha256Hex } from '../../../crypto/secret-box.ts';
import { auditAction } from '../../../db/audit.ts';
import { cpId } from '../../../ids.ts';
import { presentToken } from '../presenter.ts';
import { insertToken } from '../repo.ts';

/** A new ops token: returned once in clear, kept only as its sha256. */
export async function issueToken({ ctx, input }: { ctx: OpsCtx; input: { label: string; role: OpsRole } }) {
  const token = randomToken('qop');
  const row = await ctx.deps.db.transaction(async (tx) => {
    const row = await insertToken(tx, {
      id: cpId('opt'),
      ...input,
      tokenHash: sha256Hex(token),
      createdBy: ctx.actor.id,
    });
    await auditAction(tx, ctx, {
      action: 'ops-tokens.create',
      targetType: 'ops_token',
      targetId: row.id,
      details: { role: input.role },
    });
    return row;
  });
  return { token, opsToken: presentToken(row) };
}
