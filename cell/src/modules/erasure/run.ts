import { sql } from 'drizzle-orm';
import { appendInTx } from '../../audit-trail/append.ts';
import type { CellDeps } from '../../context.ts';
import { withTenantTx } from '../../db/tenant-tx.ts';
import { ringSearch } from '../changes/outbox.ts';
import { deliver, heldCustodianIds, queueHeldRequest } from '../holds/check.ts';
import type { Identifiers } from './identifiers.ts';
import { blobStore } from './stores/blobs.ts';
import { erasePostgres, verifyPostgres } from './stores/postgres.ts';
import { redisStore } from './stores/redis.ts';
import { searchStore } from './stores/search.ts';
import type { ErasureRow } from './verbs.ts';

/** A run holds its request this long; a crashed worker's request is picked up again after it. */
const LEASE_SECONDS = 300;
/** Failed runs are retried (backoff: 10 s, 20 s, 40 s, …) this many times, then the request is `failed`. */
export const MAX_ATTEMPTS = 6;
const STORES = ['redis', 'search', 'blobs', 'postgres'] as const;
type Store = (typeof STORES)[number];

interface Steps {
  identifiers?: Identifiers;
  redis?: string;
  search?: string;
  blobs?: string;
  postgres?: string;
  reindex?: string[];
}

function systemEntry(tenantId: string, action: string, resourceId: string, details: Record<string, unknown>) {
  return {
    tenantId,
    occurredAt: new Date().toISOString(),
    actorType: 'system' as const,
    actorId: 'erasure',
    action,
    resourceType: 'erasure_request',
    resourceId,
    ip: null,
    userAgent: null,
    requestId: null,
    details,
  };
}

/** Takes the request for this run; null when it is not runnable (done, held, or leased by another run). */
async function claim(deps: CellDeps, tenantId: string, id: string) {
  return withTenantTx(deps.db, tenantId, async (tx) => {
    const [row] = await tx.execute<ErasureRow>(sql`
      select * from erasure_requests where tenant_id = ${tenantId} and id = ${id} for update`);
    if (!row) return null;
    const runnable =
      row.status === 'pending' ||
      (row.status === 'running' && row.lease_until !== null && new Date(row.lease_until) < new Date());
    if (!runnable || !row.user_id) return null;
    // A custodian placed under hold since the request: it waits for the release.
    const holds = (await heldCustodianIds(tx, tenantId, [row.user_id])).get(row.user_id) ?? [];
    if (holds.length) {
      await tx.execute(sql`update erasure_requests set status = 'held', updated_at = now()
        where tenant_id = ${tenantId} and id = ${id}`);
      const { notified } = await queueHeldRequest(tx, deps, {
        tenantId,
        kind: 'erasure',
        targetId: id,
        requestedBy: row.requested_by,
        holdIds: holds,
      });
      await appendInTx(tx, [systemEntry(tenantId, 'erasure.held', id, { holdIds: holds })]);
      return { held: true as const, notified };
    }
    const steps = (row.steps ?? {}) as Steps;
    if (!steps.identifiers) {
      const [u] = await tx.execute<Identifiers>(sql`
        select id as "userId", email, name from users where tenant_id = ${tenantId} and id = ${row.user_id}`);
      steps.identifiers = u ?? { userId: row.user_id, email: row.user_id, name: row.user_id };
    }
    await tx.execute(sql`update erasure_requests
      set status = 'running', attempts = attempts + 1, lease_until = now() + make_interval(secs => ${LEASE_SECONDS}),
          steps = ${JSON.stringify(steps)}::jsonb, updated_at = now()
      where tenant_id = ${tenantId} and id = ${id}`);
    if (row.attempts === 0) await appendInTx(tx, [systemEntry(tenantId, 'erasure.started', id, {})]);
    return { held: false as const, row: { ...row, attempts: row.attempts + 1 }, steps };
  });
}

async function stopForHold(
  deps: CellDeps,
  tenantId: string,
  id: string,
  requestedBy: string,
  userId: string,
  steps: Steps,
): Promise<boolean> {
  const notified = await withTenantTx(deps.db, tenantId, async (tx) => {
    const holds = (await heldCustodianIds(tx, tenantId, [userId])).get(userId) ?? [];
    if (!holds.length) return false;
    await tx.execute(sql`update erasure_requests set status = 'held', lease_until = null,
      steps = ${JSON.stringify(steps)}::jsonb, updated_at = now() where tenant_id = ${tenantId} and id = ${id}`);
    const q = await queueHeldRequest(tx, deps, {
      tenantId,
      kind: 'erasure',
      targetId: id,
      requestedBy,
      holdIds: holds,
    });
    await appendInTx(tx, [systemEntry(tenantId, 'erasure.held', id, { holdIds: holds })]);
    return q.notified;
  });
  if (notified === false) return false;
  deliver(deps, notified ?? undefined);
  return true;
}

async function saveStep(deps: CellDeps, tenantId: string, id: string, steps: Steps) {
  await withTenantTx(deps.db, tenantId, (tx) =>
    tx.execute(sql`update erasure_requests set steps = ${JSON.stringify(steps)}::jsonb, updated_at = now(),
      lease_until = now() + make_interval(secs => ${LEASE_SECONDS}) where tenant_id = ${tenantId} and id = ${id}`),
  );
}

/**
 * Runs an erasure: the per-store executors in a fixed order (Redis, search index, blobs,
 * Postgres), each recorded when done so a retry resumes after it, then the verification of
 * every store. The proof (per store: what was queried, the count found, when) is kept on the
 * request; the request then no longer names the person. A failure or a verification that
 * still finds traces is retried with backoff, up to MAX_ATTEMPTS.
 */
export async function runErasure(deps: CellDeps, input: { tenantId: string; erasureId: string }) {
  const { tenantId, erasureId: id } = input;
  const claimed = await claim(deps, tenantId, id);
  if (!claimed) return { status: 'skipped' as const };
  if (claimed.held) {
    deliver(deps, claimed.notified ?? undefined);
    return { status: 'held' as const };
  }
  const { row, steps } = claimed;
  const ids = steps.identifiers!;
  try {
    for (const store of STORES) {
      if (steps[store] === 'done') continue;
      // A hold placed on the custodian while the erasure runs stops it before the next store.
      if (await stopForHold(deps, tenantId, id, row.requested_by, ids.userId, steps))
        return { status: 'held' as const };
      await executeStore(deps, tenantId, store, ids, steps, { erasureId: id, reassignTo: row.reassign_to });
      steps[store] = 'done';
      await saveStep(deps, tenantId, id, steps);
    }
    const proof = await verify(deps, tenantId, ids);
    const clean = proof.every((p) => p.count === 0);
    if (!clean) {
      // Kept for the admins to see where (counts and places, never the values found).
      await withTenantTx(deps.db, tenantId, (tx) =>
        tx.execute(sql`update erasure_requests
          set proof = ${JSON.stringify({ verifiedAt: new Date().toISOString(), verified: false, stores: proof })}::jsonb
          where tenant_id = ${tenantId} and id = ${id}`),
      );
      const where = proof.filter((p) => p.count).map((p) => p.store);
      throw new Error(`verification found traces in ${where.join(', ')}`);
    }
    await withTenantTx(deps.db, tenantId, async (tx) => {
      await tx.execute(sql`update erasure_requests
        set status = 'completed', user_id = null, steps = ${JSON.stringify(Object.fromEntries(STORES.map((s) => [s, 'done'])))}::jsonb,
            proof = ${JSON.stringify({ verifiedAt: new Date().toISOString(), verified: true, stores: proof })}::jsonb,
            last_error = null, lease_until = null, completed_at = now(), updated_at = now()
        where tenant_id = ${tenantId} and id = ${id}`);
      await appendInTx(tx, [
        systemEntry(tenantId, 'erasure.completed', id, {
          stores: proof.map((p) => ({ store: p.store, count: p.count })),
        }),
      ]);
    });
    return { status: 'completed' as const, proof };
  } catch (err) {
    const message = String((err as Error).message ?? err).slice(0, 500);
    const failed = row.attempts >= MAX_ATTEMPTS;
    // Verification failures keep the per-store progress: the executors run again from the top.
    const retrySteps: Steps = message.startsWith('verification') ? { identifiers: ids } : steps;
    await withTenantTx(deps.db, tenantId, async (tx) => {
      await tx.execute(sql`update erasure_requests
        set status = ${failed ? 'failed' : 'pending'}, last_error = ${message}, lease_until = null,
            steps = ${JSON.stringify(retrySteps)}::jsonb, updated_at = now()
        where tenant_id = ${tenantId} and id = ${id}`);
      await appendInTx(tx, [
        systemEntry(tenantId, failed ? 'erasure.failed' : 'erasure.retrying', id, { attempt: row.attempts }),
      ]);
    });
    if (!failed) deps.collabQueue.erasure(tenantId, id, 10_000 * 2 ** (row.attempts - 1));
    deps.log.warn('erasure run failed', { tenantId, erasureId: id, attempt: row.attempts, err: message });
    return { status: failed ? ('failed' as const) : ('retrying' as const), error: message };
  }
}

async function executeStore(
  deps: CellDeps,
  tenantId: string,
  store: Store,
  ids: Identifiers,
  steps: Steps,
  o: { erasureId: string; reassignTo: string | null },
) {
  if (store === 'redis') await redisStore.erase(deps.redis, ids);
  if (store === 'search') steps.reindex = await searchStore.erase(deps, tenantId, ids);
  if (store === 'blobs') await blobStore.erase(deps, tenantId, ids);
  if (store === 'postgres') {
    await withTenantTx(deps.db, tenantId, (tx) =>
      erasePostgres(tx, { tenantId, erasureId: o.erasureId, ids, reassignTo: o.reassignTo }),
    );
    ringSearch(deps);
  }
}

/** Each store queried for the person's identifiers; the proof of the erasure. */
export async function verify(deps: CellDeps, tenantId: string, ids: Identifiers) {
  const at = () => new Date().toISOString();
  const redis = await redisStore.verify(deps.redis, ids);
  const redisAt = at();
  const search = await searchStore.verify(deps, tenantId, ids);
  const searchAt = at();
  const blobs = await blobStore.verify(deps, tenantId, ids);
  const blobsAt = at();
  const postgres = await withTenantTx(deps.db, tenantId, (tx) => verifyPostgres(tx, tenantId, ids), {
    readOnly: true,
  });
  return [
    { store: 'redis', ...redis, at: redisAt },
    { store: 'search', ...search, at: searchAt },
    { store: 'blobs', ...blobs, at: blobsAt },
    { store: 'postgres', ...postgres, at: at() },
  ];
}

/** The worker's sweep: requests whose job was lost, or whose run died holding the lease. */
export async function sweepErasures(deps: CellDeps, tenantId: string): Promise<void> {
  const rows = await withTenantTx(
    deps.db,
    tenantId,
    (tx) =>
      tx.execute<{ id: string }>(sql`
        select id from erasure_requests where tenant_id = ${tenantId}
          and ((status = 'pending' and updated_at < now() - interval '5 minutes')
            or (status = 'running' and lease_until < now()))
        order by id limit 20`),
    { readOnly: true },
  );
  for (const r of rows) await runErasure(deps, { tenantId, erasureId: r.id });
}
