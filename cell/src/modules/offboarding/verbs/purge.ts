import { Conflict, NotFound } from '@quire/shared/errors';
import { eq, sql } from 'drizzle-orm';
import type { CellDeps } from '../../../context.ts';
import { tenants, tenantTombstones } from '../../../db/schema/index.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';

export type Summary = Record<string, number | string | null>;
export interface PurgeState {
  tenantId: string;
  state: 'deleting' | 'deleted';
  summary: Summary | null;
}

/** Purges running in this process: a second call waits for the first instead of racing it. */
const running = new Map<string, Promise<PurgeState>>();

/**
 * The end of an offboarded tenant in this cell, in order: its rows (every table with a
 * tenant_id, outbox and audit included, through `purge_tenant_rows()`), its search index
 * entries (`dropTenant`), its blobs and derived blobs (`tenants/{id}/`), its Redis keys; then
 * **crypto-shredding**: its key is destroyed (KMS: deletion scheduled with the shortest window,
 * alias removed; local keyring: the key file deleted), so any ciphertext of it left anywhere (a
 * missed blob, a backup) cannot be read. What stays is the tombstone: counts and dates only.
 *
 * Every step is idempotent and keyed by the tenant id alone (not by its row, gone after the
 * first step), and the tombstone says `deleting` until the last step is done: a purge
 * interrupted by a crash or a restart is finished by the next call (the control plane's
 * retry, or this cell's next config pull).
 */
export function purgeTenant(deps: CellDeps, tenantId: string): Promise<PurgeState> {
  const inFlight = running.get(tenantId);
  if (inFlight) return inFlight;
  const run = purge(deps, tenantId).finally(() => running.delete(tenantId));
  running.set(tenantId, run);
  return run;
}

/** Whether a purge is running here now (the internal route answers 202 meanwhile). */
export const purgeRunning = (tenantId: string) => running.has(tenantId);

async function purge(deps: CellDeps, tenantId: string): Promise<PurgeState> {
  const started = await withTenantTx(deps.db, tenantId, async (tx) => {
    const [stone] = await tx.select().from(tenantTombstones).where(eq(tenantTombstones.tenantId, tenantId));
    if (stone?.state === 'deleted') return { done: stone.summary as Summary };
    if (stone) return { done: null };
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw new NotFound('tenant', { resourceType: 'tenant', resourceId: tenantId });
    // Only the end of an offboarding: a tenant that was never made read-only (holds checked) is not purged.
    if (tenant.status !== 'offboarding')
      throw new Conflict('the tenant is not offboarding', {
        reason: 'not_offboarding',
        status: tenant.status,
      });
    await tx.insert(tenantTombstones).values({
      tenantId,
      state: 'deleting',
      summary: await summarise(tx, tenantId, tenant.createdAt, tenant.updatedAt),
    });
    return { done: null };
  });
  if (started.done) return { tenantId, state: 'deleted', summary: started.done };

  const t0 = Date.now();
  const rows = await withTenantTx(deps.db, tenantId, async (tx) => {
    const [r] = await tx.execute<{ counts: Record<string, number> }>(
      sql`select purge_tenant_rows(${tenantId}) as counts`,
    );
    return r?.counts ?? {};
  });
  deps.tenants.invalidate(tenantId);
  await deps.searchIndex.dropTenant(tenantId);
  const blobs = await deps.blobs.deletePrefix(`tenants/${tenantId}`);
  const redisKeys = await deleteRedisKeys(deps, tenantId);
  await deps.keyring.destroyTenantKey(tenantId);

  return withTenantTx(deps.db, tenantId, async (tx) => {
    const [stone] = await tx.select().from(tenantTombstones).where(eq(tenantTombstones.tenantId, tenantId));
    const summary: Summary = {
      ...(stone?.summary as Summary),
      rowsDeleted: Object.values(rows).reduce((a, b) => a + Number(b), 0),
      blobsDeleted: blobs,
      redisKeysDeleted: redisKeys,
      keyDestroyed: 'yes',
      purgeMs: Date.now() - t0,
      purgedAt: new Date().toISOString(),
    };
    await tx
      .update(tenantTombstones)
      .set({ state: 'deleted', summary, purgedAt: new Date() })
      .where(eq(tenantTombstones.tenantId, tenantId));
    deps.log.info('tenant purged and its key destroyed', { tenantId, blobs, redisKeys });
    return { tenantId, state: 'deleted' as const, summary };
  });
}

/** Counts and dates of what is about to go: the anonymised record of the tenant. */
async function summarise(
  tx: Parameters<Parameters<typeof withTenantTx>[2]>[0],
  tenantId: string,
  createdAt: Date,
  offboardingStartedAt: Date,
): Promise<Summary> {
  const [c] = await tx.execute<Record<string, string | null>>(sql`
    select
      (select count(*) from users where tenant_id = ${tenantId}) as users,
      (select count(*) from folders where tenant_id = ${tenantId}) as folders,
      (select count(*) from documents where tenant_id = ${tenantId}) as documents,
      (select count(*) from document_versions where tenant_id = ${tenantId}) as versions,
      (select coalesce(sum(size), 0) from document_versions where tenant_id = ${tenantId}) as bytes,
      (select count(*) from comments where tenant_id = ${tenantId}) as comments,
      (select count(*) from audit_log where tenant_id = ${tenantId}) as audit_entries,
      (select min(occurred_at) from audit_log where tenant_id = ${tenantId}) as first_activity_at,
      (select max(occurred_at) from audit_log where tenant_id = ${tenantId}) as last_activity_at`);
  const n = (v: string | null | undefined) => Number(v ?? 0);
  const d = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    users: n(c?.users),
    folders: n(c?.folders),
    documents: n(c?.documents),
    versions: n(c?.versions),
    bytes: n(c?.bytes),
    comments: n(c?.comments),
    auditEntries: n(c?.audit_entries),
    firstActivityAt: d(c?.first_activity_at),
    lastActivityAt: d(c?.last_activity_at),
    tenantCreatedAt: createdAt.toISOString(),
    offboardingStartedAt: offboardingStartedAt.toISOString(),
  };
}

/**
 * Every key of the cell's Redis that names the tenant (rate limits, caches, queued jobs, SSO
 * state), then every member naming it in the cell's shared sets, sorted sets and lists (job ids
 * in BullMQ's waiting, delayed, completed and failed collections) and every hash field naming it.
 */
async function deleteRedisKeys(deps: CellDeps, tenantId: string): Promise<number> {
  const redis = deps.redis;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${tenantId}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  const pattern = `*${tenantId}*`;
  cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'zset' || type === 'set' || type === 'hash') {
        let inner = '0';
        do {
          const [n, items] =
            type === 'zset'
              ? await redis.zscan(key, inner, 'MATCH', pattern, 'COUNT', 1000)
              : type === 'set'
                ? await redis.sscan(key, inner, 'MATCH', pattern, 'COUNT', 1000)
                : await redis.hscan(key, inner, 'MATCH', pattern, 'COUNT', 1000);
          inner = n;
          // zscan and hscan answer member/field, score/value pairs.
          const members = type === 'set' ? items : items.filter((_, i) => i % 2 === 0);
          if (members.length === 0) continue;
          if (type === 'zset') await redis.zrem(key, ...members);
          else if (type === 'set') await redis.srem(key, ...members);
          else await redis.hdel(key, ...members);
        } while (inner !== '0');
      } else if (type === 'list') {
        const values = await redis.lrange(key, 0, -1);
        for (const v of new Set(values.filter((x) => x.includes(tenantId)))) await redis.lrem(key, 0, v);
      }
    }
  } while (cursor !== '0');
  return deleted;
}
