import { QuotaExceeded } from '@quire/shared/errors';
import type { PlanLimits } from '@quire/shared/plans';
import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/tenant-tx.ts';

/** The quotas counted in `tenant_usage`: what changes them is a write the cell makes. */
export const COUNTED = ['storage', 'documents', 'users'] as const;
export type CountedResource = (typeof COUNTED)[number];

export type Usage = Record<CountedResource, number>;
export type UsageDelta = Partial<Usage>;

const GIB = 1024 ** 3;

/** A counted quota's limit in its unit (bytes for storage); null = unlimited. */
export function quotaLimit(limits: PlanLimits, resource: CountedResource): number | null {
  const raw = resource === 'storage' ? limits.storageGb * GIB : limits[resource];
  return raw === null || raw === undefined || !Number.isFinite(raw) ? null : Math.floor(raw);
}

/**
 * Creates the tenant's usage row on first use, from a count of its committed rows. Run it
 * before the transaction writes rows of its own (they would be counted, then charged again).
 * `not exists` first: the counts run only when the row is missing.
 */
export async function ensureUsage(tx: Tx, tenantId: string): Promise<void> {
  await tx.execute(sql`
    insert into tenant_usage (tenant_id, storage_bytes, documents, users)
    select ${tenantId},
           (select coalesce(sum(size), 0) from (select distinct on (blob_key) size from document_versions
              where tenant_id = ${tenantId} order by blob_key) b),
           (select count(*) from documents where tenant_id = ${tenantId}),
           (select count(*) from users where tenant_id = ${tenantId})
    where not exists (select 1 from tenant_usage where tenant_id = ${tenantId})
    on conflict (tenant_id) do nothing`);
}

type Row = { storage_bytes: string | number; documents: string | number; users: string | number };
const toUsage = (r: Row): Usage => ({
  storage: Number(r.storage_bytes),
  documents: Number(r.documents),
  users: Number(r.users),
});

/**
 * Adds to the tenant's usage in the caller's transaction, refusing (QuotaExceeded, which rolls
 * the transaction back) when a positive delta would pass its limit. One conditional UPDATE:
 * concurrent transactions queue on the row and each re-checks the condition against the
 * committed value, so racing for the last unit, exactly the limit succeeds. The row stays
 * locked until the caller commits. Negative deltas never refuse and never go below zero.
 */
export async function chargeUsage(
  tx: Tx,
  tenantId: string,
  limits: PlanLimits,
  delta: UsageDelta,
): Promise<Usage> {
  await ensureUsage(tx, tenantId);
  const d = { storage: delta.storage ?? 0, documents: delta.documents ?? 0, users: delta.users ?? 0 };
  const cap = (r: CountedResource) => (d[r] > 0 ? quotaLimit(limits, r) : null);
  const [ls, ld, lu] = [cap('storage'), cap('documents'), cap('users')];
  for (let attempt = 0; ; attempt++) {
    const rows = await tx.execute<Row>(sql`
      update tenant_usage set
        storage_bytes = greatest(0, storage_bytes + ${d.storage}::bigint),
        documents = greatest(0, documents + ${d.documents}::bigint),
        users = greatest(0, users + ${d.users}::bigint),
        updated_at = now()
      where tenant_id = ${tenantId}
        and (${ls}::bigint is null or storage_bytes + ${d.storage}::bigint <= ${ls}::bigint)
        and (${ld}::bigint is null or documents + ${d.documents}::bigint <= ${ld}::bigint)
        and (${lu}::bigint is null or users + ${d.users}::bigint <= ${lu}::bigint)
      returning storage_bytes, documents, users`);
    if (rows[0]) return toUsage(rows[0]);
    // Refused: say which quota, against the usage as it stands now.
    const used = await readUsage(tx, tenantId);
    for (const resource of COUNTED) {
      const limit = cap(resource);
      if (limit !== null && used[resource] + d[resource] > limit)
        throw quotaExceeded(resource, limit, used[resource]);
    }
    // A release committed between the update and the read freed room: try once more.
    if (attempt > 0) {
      const charged = COUNTED.find((r) => cap(r) !== null)!;
      throw quotaExceeded(charged, cap(charged)!, used[charged]);
    }
  }
}

/** Returns a change's usage (a permanent delete); never refuses. */
export function releaseUsage(
  tx: Tx,
  tenantId: string,
  limits: PlanLimits,
  delta: UsageDelta,
): Promise<Usage> {
  const negative = Object.fromEntries(Object.entries(delta).map(([k, v]) => [k, -Math.abs(v ?? 0)]));
  return chargeUsage(tx, tenantId, limits, negative);
}

/** The stored usage; without a row yet, zero, or with `countIfMissing` what its rows add up to. */
export async function readUsage(
  tx: Tx,
  tenantId: string,
  o: { countIfMissing?: boolean } = {},
): Promise<Usage> {
  const rows = await tx.execute<Row>(
    sql`select storage_bytes, documents, users from tenant_usage where tenant_id = ${tenantId}`,
  );
  if (rows[0]) return toUsage(rows[0]);
  return o.countIfMissing ? countUsage(tx, tenantId) : { storage: 0, documents: 0, users: 0 };
}

/** What the tenant's committed rows add up to (each blob's bytes once: rollbacks share blobs). */
export async function countUsage(tx: Tx, tenantId: string): Promise<Usage> {
  const [row] = await tx.execute<Row>(sql`
    select (select coalesce(sum(size), 0) from (select distinct on (blob_key) size from document_versions
              where tenant_id = ${tenantId} order by blob_key) b) as storage_bytes,
           (select count(*) from documents where tenant_id = ${tenantId}) as documents,
           (select count(*) from users where tenant_id = ${tenantId}) as users`);
  return toUsage(row!);
}

export function quotaExceeded(resource: CountedResource, limit: number, used: number): QuotaExceeded {
  const unit = resource === 'storage' ? ' bytes' : '';
  return new QuotaExceeded(
    `the plan's ${resource} quota is used up (${used} of ${limit}${unit}); delete something or change the plan`,
    { resource, limit, used },
  );
}

/**
 * A cheap look before work that would be thrown away (streaming a blob): refuses when the
 * usage already leaves no room. Advisory only; `chargeUsage` in the commit decides.
 */
export async function precheckUsage(
  tx: Tx,
  tenantId: string,
  limits: PlanLimits,
  delta: UsageDelta,
): Promise<void> {
  const used = await readUsage(tx, tenantId);
  for (const resource of COUNTED) {
    const add = delta[resource] ?? 0;
    const limit = add > 0 ? quotaLimit(limits, resource) : null;
    if (limit !== null && used[resource] + add > limit) throw quotaExceeded(resource, limit, used[resource]);
  }
}
