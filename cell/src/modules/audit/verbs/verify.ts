import { Forbidden } from '@quire/shared/errors';
import { sql } from 'drizzle-orm';
import type { RequestCtx } from '../../../context.ts';
import { withActor } from '../../../unit-of-work.ts';

type ChainRow = { checked: string; first_bad: string | null; head_ok: boolean };
type TailRow = { unsealed: string; since: Date | null; behind: string };

/**
 * Recomputes the tenant's chain in the database, link by link: each entry is present, each
 * hash is sha256(previous ‖ canonical(entry, seq)), seqs have no gap, the head matches the
 * last link. Entries not chained yet are reported: those past the sealer's watermark are the
 * normal tail (`unsealed`, oldest since `unsealedSince`); one behind it (`unchainedBehind`)
 * was written around the sealer and makes the log fail verification.
 */
export async function verifyAudit({ ctx }: { ctx: RequestCtx }) {
  return withActor(
    ctx,
    async ({ tx, actor }) => {
      if (actor.role !== 'admin') throw new Forbidden('only tenant admins verify the audit log');
      const t = ctx.tenant.id;
      const [chain] = await tx.execute<ChainRow>(sql`
        with links as (
          select c.seq, c.hash,
                 a.id is not null
                 and c.hash = sha256(coalesce(lag(c.hash) over w, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                                     || audit_canonical(a, c.seq))
                 and c.seq = coalesce(lag(c.seq) over w, 0) + 1 as ok
          from audit_chain c
          left join audit_log a on a.tenant_id = c.tenant_id and a.id = c.entry_id
          where c.tenant_id = ${t}
          window w as (order by c.seq)),
        summary as (
          select count(*) as checked,
                 min(seq) filter (where not coalesce(ok, false)) as first_bad,
                 max(seq) as last_seq,
                 (array_agg(hash order by seq desc))[1] as last_hash
          from links)
        select s.checked::text, s.first_bad::text,
               case when h.tenant_id is null then s.checked = 0
                    else h.seq = coalesce(s.last_seq, 0) and h.hash is not distinct from coalesce(s.last_hash, h.hash)
               end as head_ok
        from summary s left join audit_heads h on h.tenant_id = ${t}`);
      const [tail] = await tx.execute<TailRow>(sql`
        select count(*) filter (where (a.xid, a.id) > (s.xid, s.id))::text as unsealed,
               min(a.occurred_at) filter (where (a.xid, a.id) > (s.xid, s.id)) as since,
               count(*) filter (where (a.xid, a.id) <= (s.xid, s.id))::text as behind
        from audit_log a cross join audit_seal_state s
        where a.tenant_id = ${t}
          and not exists (select 1 from audit_chain c where c.tenant_id = a.tenant_id and c.entry_id = a.id)`);
      const firstBad = chain?.first_bad ? Number(chain.first_bad) : null;
      const behind = Number(tail?.behind ?? 0);
      return {
        ok: firstBad === null && Boolean(chain?.head_ok) && behind === 0,
        checked: Number(chain?.checked ?? 0),
        firstBrokenSeq: firstBad,
        unsealed: Number(tail?.unsealed ?? 0),
        unsealedSince: tail?.since ? new Date(tail.since).toISOString() : null,
        unchainedBehind: behind,
      };
    },
    // The chain and the tail from one snapshot: the sealer may commit a batch in between.
    { readOnly: true, snapshot: true },
  );
}
