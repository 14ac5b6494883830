import type { PlanId } from '@quire/shared/plans';
import type { CellConfig, TenantLifecycle } from '@quire/shared/routing';
import { and, eq, isNull, ne, or } from 'drizzle-orm';
import type { CpDeps } from '../../context.ts';
import type { Conn } from '../../db/client.ts';
import { plans, tenants } from '../../db/schema/index.ts';
import { readVersion } from '../../db/versions.ts';
import { etagMatches } from '../../http/openapi.ts';
import { flagRecord, loadFlagTables, resolveFlags } from '../flags/effective.ts';

/**
 * The config a cell pulls: every plan, and status/plan/overrides/flags of the tenants it homes,
 * deleted ones included until the cell has confirmed their purge (a cell that was down when
 * the purge was asked for finds it here when it returns).
 */
export async function buildCellConfig(conn: Conn, cellId: string): Promise<CellConfig> {
  const version = await readVersion(conn, 'config');
  const planRows = await conn.select().from(plans).orderBy(plans.id);
  const rows = await conn
    .select()
    .from(tenants)
    .where(and(eq(tenants.cellId, cellId), or(ne(tenants.status, 'deleted'), isNull(tenants.purgedAt))))
    .orderBy(tenants.id);
  const flags = await loadFlagTables(
    conn,
    rows.map((r) => r.id),
  );
  return {
    version,
    plans: Object.fromEntries(planRows.map((p) => [p.id, p.limits])) as CellConfig['plans'],
    tenants: rows.map((t) => ({
      id: t.id,
      status: t.status as TenantLifecycle,
      plan: t.plan as PlanId,
      overrides: t.planOverrides,
      flags: flagRecord(resolveFlags(flags, t)),
    })),
  };
}

/**
 * What `GET /v1/cells/{cellId}/config` answers: `notModified` when the cell already has the
 * current version (its If-None-Match), else the config read in one repeatable-read transaction.
 */
export async function readCellConfig(
  deps: CpDeps,
  cellId: string,
  ifNoneMatch: string | undefined,
): Promise<{ notModified: true; version: string } | { notModified: false; config: CellConfig }> {
  const version = await readVersion(deps.db, 'config');
  if (etagMatches(ifNoneMatch, version)) return { notModified: true, version };
  const config = await deps.db.transaction((tx) => buildCellConfig(tx, cellId), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
  return { notModified: false, config };
}
