import { NotFound } from '@quire/shared/errors';
import type { OpsCtx } from '../../../context.ts';
import { auditAction } from '../../../db/audit.ts';
import { presentToken } from '../presenter.ts';
import { lockToken, markRevoked } from '../repo.ts';

/** Revoking twice keeps the first revocation time (and is audited each time). */
export async function revokeToken({ ctx, input }: { ctx: OpsCtx; input: { id: string } }) {
  const row = await ctx.deps.db.transaction(async (tx) => {
    const existing = await lockToken(tx, input.id);
    if (!existing) throw new NotFound('ops token');
    const row = existing.revokedAt ? existing : await markRevoked(tx, input.id, ctx.deps.clock.now());
    await auditAction(tx, ctx, { action: 'ops-tokens.revoke', targetType: 'ops_token', targetId: input.id });
    return row;
  });
  return { opsToken: presentToken(row) };
}
