import { Forbidden } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';

type Row = {
  checked: string;
  first_bad: string | null;
  head_ok: boolean;
  personal_unverifiable: string;
  unsealed: string;
  unsealed_since: Date | null;
  behind: string;
};

/**
 * Recomputes the tenant's chain in the database (`audit_verify()`, migration 0005): each
 * link's entry is present, each hash holds, seqs have no gap, the head matches, and each
 * personal digest matches its entry under the subject's key. Entries not chained yet are
 * reported: past the sealer's watermark they are the normal tail (`unsealed`); behind it
 * (`unchainedBehind`) they were written around the sealer and fail verification. Digests of
 * erased subjects cannot be checked any more (`personalUnverifiable`); their links still are.
 */
export async function verifyAudit({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      if (actor.role !== 'admin') throw new Forbidden('only tenant admins verify the audit log');
      const [r] = await tx.execute<Row>(sql`select * from audit_verify()`);
      const firstBad = r?.first_bad ? Number(r.first_bad) : null;
      const behind = Number(r?.behind ?? 0);
      return {
        ok: firstBad === null && Boolean(r?.head_ok) && behind === 0,
        checked: Number(r?.checked ?? 0),
        firstBrokenSeq: firstBad,
        personalUnverifiable: Number(r?.personal_unverifiable ?? 0),
        unsealed: Number(r?.unsealed ?? 0),
        unsealedSince: r?.unsealed_since ? new Date(r.unsealed_since).toISOString() : null,
        unchainedBehind: behind,
      };
    },
    // One statement, one snapshot: the sealer may commit a batch at any moment.
    { readOnly: true },
  );
}
