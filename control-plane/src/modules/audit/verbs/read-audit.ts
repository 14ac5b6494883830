import type { OpsCtx } from '../../../context.ts';
import { type AuditQuery, selectAudit } from '../repo.ts';

/** A page of the ops audit, newest first, with the cursor of the next page. */
export async function readAudit({ ctx, input }: { ctx: OpsCtx; input: AuditQuery }) {
  const rows = await selectAudit(ctx.deps.db, input);
  const page = rows.slice(0, input.limit);
  return {
    entries: page.map((r) => ({
      ...r,
      at: r.at.toISOString(),
      outcome: r.outcome as 'ok' | 'denied' | 'failed',
    })),
    nextBefore: rows.length > input.limit ? page.at(-1)!.seq : null,
  };
}
