import { sql } from 'drizzle-orm';
import { instant } from '../../db/instants.ts';
import type { Tx } from '../../db/tenant-tx.ts';
import { heldDocumentIds } from '../holds/check.ts';

export type PolicyRow = {
  id: string;
  name: string;
  scope_kind: 'folder' | 'tag' | 'type';
  scope_value: string;
  basis: 'created' | 'updated';
  keep_days: number;
  action: 'trash' | 'delete';
  enabled: boolean;
  created_by: string;
  created_at: Date | string;
  last_run_at: Date | string | null;
};

export interface Plan {
  /** The instant the plan was made for: documents whose basis time is before it minus keep_days. */
  asOf: string;
  action: 'trash' | 'delete';
  /** What the policy removes, in id order. */
  items: { id: string; title: string; basisAt: string }[];
  /** What it would remove but a legal hold keeps. */
  held: { id: string; holdIds: string[] }[];
}

/**
 * What a policy removes at `asOf`: its scope's documents (not yet in the trash when the action
 * is trash; trashed or not when it is delete) whose creation or last change is older than
 * keep_days, less what a legal hold keeps. The dry run and the run both call this, in their own
 * transaction, so a run removes exactly what a dry run at that moment lists.
 */
export async function planPolicy(tx: Tx, tenantId: string, p: PolicyRow, asOf: Date): Promise<Plan> {
  const cutoff = new Date(asOf.getTime() - p.keep_days * 86_400_000).toISOString();
  const basis = p.basis === 'created' ? sql`d.created_at` : sql`d.updated_at`;
  const scope =
    p.scope_kind === 'folder'
      ? sql`exists (select 1 from folders f where f.tenant_id = d.tenant_id and f.id = d.folder_id
                    and strpos(f.path, '/' || ${p.scope_value} || '/') > 0)`
      : p.scope_kind === 'tag'
        ? sql`${p.scope_value} = any(d.tags)`
        : p.scope_value.endsWith('/*')
          ? sql`v.content_type like ${`${p.scope_value.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`}`
          : sql`v.content_type = ${p.scope_value}`;
  const rows = await tx.execute<{ id: string; title: string; basis_at: string }>(sql`
    select d.id, d.title, ${basis} as basis_at
    from documents d
    join document_versions v on v.tenant_id = d.tenant_id and v.id = d.current_version_id
    where d.tenant_id = ${tenantId} and ${scope} and ${basis} < ${cutoff}::timestamptz
      ${p.action === 'trash' ? sql`and d.trashed_at is null` : sql``}
    order by d.id
    limit 10000`);
  const held = await heldDocumentIds(
    tx,
    tenantId,
    rows.map((r) => r.id),
  );
  return {
    asOf: asOf.toISOString(),
    action: p.action,
    items: rows
      .filter((r) => !held.has(r.id))
      .map((r) => ({ id: r.id, title: r.title, basisAt: instant(r.basis_at) })),
    held: [...held].map(([id, holdIds]) => ({ id, holdIds })),
  };
}
