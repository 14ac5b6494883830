import { Conflict, QuireError } from '@quire/shared/errors';
import type { CellHeartbeat } from '@quire/shared/routing';
import { ACCESS_TOKEN_TTL_SECONDS } from '@quire/shared/tokens';
import { and, eq, lte, sql } from 'drizzle-orm';
import { canonicalJson } from '../../canonical.ts';
import type { CpDeps } from '../../context.ts';
import type { Conn } from '../../db/client.ts';
import { cellKeys, cells } from '../../db/schema/index.ts';
import { bumpVersions } from '../../db/versions.ts';
import { routeStatus } from './presenter.ts';

/** Clock skew allowed on top of the access-token lifetime before a retired key is dropped. */
export const KEY_SKEW_SECONDS = 60;
/** How long a key the cell stopped advertising stays published: every token it signed has expired by then. */
export const KEY_GRACE_SECONDS = ACCESS_TOKEN_TTL_SECONDS + KEY_SKEW_SECONDS;

/** A cell's base URL is where the edge forwards user traffic: plain http(s) origins only. */
function checkBaseUrl(raw: string): string {
  const url = new URL(raw);
  const ok =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    (url.pathname === '/' || url.pathname === '');
  if (!ok)
    throw new QuireError('validation_failed', 'request is invalid', [
      { path: 'baseUrl', message: 'must be an http(s) origin without credentials, path, query or fragment' },
    ]);
  return url.origin;
}

/**
 * A cell's registration and heartbeat (the same call): refreshes what it advertises, keeps
 * it `up`, and reconciles its signing keys. The routing version moves only when something
 * the edge sees changed (status, base URL, issuer, keys), not on every beat.
 */
export async function applyHeartbeat(deps: CpDeps, cellId: string, hb: CellHeartbeat) {
  const baseUrl = checkBaseUrl(hb.baseUrl);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [cell] = await tx.select().from(cells).where(eq(cells.id, cellId)).for('update');
    if (!cell) throw new Error(`cell ${cellId} vanished after authentication`);
    if (cell.region !== hb.region)
      throw new Conflict(`cell ${cellId} is registered in region ${cell.region}, not ${hb.region}`, {
        reason: 'region_mismatch',
      });
    let routingChanged = cell.health !== 'up' || cell.baseUrl !== baseUrl || cell.issuer !== hb.issuer;
    const [updated] = await tx
      .update(cells)
      .set({
        health: 'up',
        baseUrl,
        version: hb.version,
        capacity: hb.capacity,
        tenantCount: hb.tenantCount,
        issuer: hb.issuer,
        sealingKey: hb.sealingKey,
        // Placement reads these; an older cell sends no `search` and is judged by the default.
        searchEngine: hb.search?.engine ?? null,
        maxTenantDocuments: hb.search?.maxTenantDocuments ?? null,
        lastHeartbeatAt: now,
        updatedAt: now,
      })
      .where(eq(cells.id, cellId))
      .returning();
    if (await reconcileKeys(tx, cellId, hb.keys, now)) routingChanged = true;
    if (hb.usage) await recordUsage(tx, cellId, hb.usage, now);
    if (routingChanged) await bumpVersions(tx, 'routing');
    if (cell.health !== 'up') deps.log.info('cell up', { cellId, was: cell.health });
    return { cell: updated!, status: routeStatus(updated!) };
  });
}

/**
 * Stores the usage figures a cell reports, for the tenants homed in that cell only (a cell
 * cannot speak for another's tenants). A row is rewritten when a figure changed or it is
 * older than a minute, not on every beat.
 */
async function recordUsage(tx: Conn, cellId: string, usage: NonNullable<CellHeartbeat['usage']>, now: Date) {
  // One row per tenant (a list naming a tenant twice: the last entry counts).
  const figures = [...new Map(usage.map((u) => [u.tenantId, u])).values()];
  if (figures.length === 0) return;
  await tx.execute(sql`
    insert into tenant_usage (tenant_id, cell_id, storage_bytes, documents, users, reported_at)
    select u."tenantId", ${cellId}, u."storageBytes", u.documents, u.users, ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(figures)}::jsonb)
      as u("tenantId" text, "storageBytes" bigint, documents bigint, users bigint)
    join tenants t on t.id = u."tenantId" and t.cell_id = ${cellId}
    on conflict (tenant_id) do update set cell_id = excluded.cell_id, storage_bytes = excluded.storage_bytes,
      documents = excluded.documents, users = excluded.users, reported_at = excluded.reported_at
    where (tenant_usage.cell_id, tenant_usage.storage_bytes, tenant_usage.documents, tenant_usage.users)
            is distinct from (excluded.cell_id, excluded.storage_bytes, excluded.documents, excluded.users)
       or tenant_usage.reported_at < excluded.reported_at - interval '1 minute'`);
}

/**
 * Remembers every key the cell advertises; a key it no longer advertises retires
 * KEY_GRACE_SECONDS after it was last seen, then is dropped. Returns whether anything changed.
 */
async function reconcileKeys(tx: Conn, cellId: string, keys: CellHeartbeat['keys'], now: Date) {
  const existing = await tx.select().from(cellKeys).where(eq(cellKeys.cellId, cellId));
  const known = new Map(existing.map((k) => [k.kid, k]));
  const advertised = new Set(keys.map((k) => k.kid));
  let changed = false;
  for (const key of keys) {
    const jwk = { ...key } as Record<string, unknown>;
    const prior = known.get(key.kid);
    if (prior && prior.retiresAt === null && canonicalJson(prior.jwk) === canonicalJson(jwk)) {
      await tx
        .update(cellKeys)
        .set({ lastSeenAt: now })
        .where(and(eq(cellKeys.cellId, cellId), eq(cellKeys.kid, key.kid)));
      continue;
    }
    changed = true;
    await tx
      .insert(cellKeys)
      .values({ cellId, kid: key.kid, jwk, firstSeenAt: now, lastSeenAt: now, retiresAt: null })
      .onConflictDoUpdate({
        target: [cellKeys.cellId, cellKeys.kid],
        set: { jwk, lastSeenAt: now, retiresAt: null },
      });
  }
  for (const prior of existing) {
    if (advertised.has(prior.kid) || prior.retiresAt !== null) continue;
    changed = true;
    await tx
      .update(cellKeys)
      .set({ retiresAt: new Date(prior.lastSeenAt.getTime() + KEY_GRACE_SECONDS * 1000) })
      .where(and(eq(cellKeys.cellId, cellId), eq(cellKeys.kid, prior.kid)));
  }
  const dropped = await tx
    .delete(cellKeys)
    .where(and(eq(cellKeys.cellId, cellId), lte(cellKeys.retiresAt, now)))
    .returning({ kid: cellKeys.kid });
  return changed || dropped.length > 0;
}
