import { NotFound } from '@quire/shared/errors';
import type { EdgeSnapshot, RouteCell, RouteTenant } from '@quire/shared/routing';
import { and, eq, inArray, isNotNull, or } from 'drizzle-orm';
import type { CpDeps } from '../../context.ts';
import type { Conn } from '../../db/client.ts';
import { type CellRow, cellKeys, cells, type TenantRow, tenants } from '../../db/schema/index.ts';
import { readVersion } from '../../db/versions.ts';
import { etagMatches } from '../../http/openapi.ts';
import { routeStatus } from '../cells/presenter.ts';

/** In the edge's table: served (active, offboarding: read-only at the cell) or answered by the edge (suspended 403, deleted 410). */
const ROUTED = ['active', 'suspended', 'offboarding', 'deleted'] as const;

export function routeCell(c: CellRow): RouteCell {
  return { id: c.id, region: c.region, baseUrl: c.baseUrl!, status: routeStatus(c), issuer: c.issuer! };
}

export function routeTenant(t: TenantRow): RouteTenant {
  return {
    id: t.id,
    slug: t.slug,
    region: t.region,
    cellId: t.cellId!,
    status: t.status as RouteTenant['status'],
    strictResidency: t.strictResidency,
  };
}

/**
 * Everything the edge needs to route and verify: registered cells, routed tenants (active or
 * suspended; a suspended one is answered 403 by the edge), and every signing key still
 * valid for some token. Read in one repeatable-read transaction with its version.
 */
export async function buildEdgeSnapshot(conn: Conn, now: Date): Promise<EdgeSnapshot> {
  const version = await readVersion(conn, 'routing');
  const cellRows = await conn
    .select()
    .from(cells)
    .where(and(isNotNull(cells.baseUrl), isNotNull(cells.issuer)))
    .orderBy(cells.id);
  const tenantRows = await conn
    .select()
    .from(tenants)
    .where(and(inArray(tenants.status, [...ROUTED]), isNotNull(tenants.cellId)))
    .orderBy(tenants.id);
  const keyRows = await conn.select().from(cellKeys).orderBy(cellKeys.cellId, cellKeys.kid);
  const known = new Set(cellRows.map((c) => c.id));
  return {
    version,
    generatedAt: now.toISOString(),
    cells: cellRows.map(routeCell),
    tenants: tenantRows.filter((t) => known.has(t.cellId!)).map(routeTenant),
    keys: keyRows
      .filter((k) => known.has(k.cellId) && (k.retiresAt === null || k.retiresAt > now))
      .map((k) => ({
        ...(k.jwk as Omit<EdgeSnapshot['keys'][number], 'cellId' | 'retiresAt'>),
        cellId: k.cellId,
        retiresAt: k.retiresAt ? Math.floor(k.retiresAt.getTime() / 1000) : null,
      })),
  };
}

/** One routed tenant by id or slug, with its cell: the edge's cheap lookup for a tenant it has not seen. */
export async function lookupRoute(conn: Conn, idOrSlug: string) {
  const [t] = await conn
    .select()
    .from(tenants)
    .where(
      and(
        or(eq(tenants.id, idOrSlug), eq(tenants.slug, idOrSlug)),
        inArray(tenants.status, [...ROUTED]),
        isNotNull(tenants.cellId),
      ),
    );
  if (!t) return null;
  const [c] = await conn
    .select()
    .from(cells)
    .where(and(eq(cells.id, t.cellId!), isNotNull(cells.baseUrl), isNotNull(cells.issuer)));
  if (!c) return null;
  return { tenant: routeTenant(t), cell: routeCell(c) };
}

/** `GET /v1/edge/snapshot`: `notModified` for the edge's current version, else a consistent snapshot. */
export async function readEdgeSnapshot(
  deps: CpDeps,
  ifNoneMatch: string | undefined,
): Promise<{ notModified: true; version: string } | { notModified: false; snapshot: EdgeSnapshot }> {
  const version = await readVersion(deps.db, 'routing');
  if (etagMatches(ifNoneMatch, version)) return { notModified: true, version };
  const snapshot = await deps.db.transaction((tx) => buildEdgeSnapshot(tx, deps.clock.now()), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
  return { notModified: false, snapshot };
}

/** `GET /v1/edge/tenants/{idOrSlug}`: one routed tenant with its cell and the routing version, or NotFound. */
export async function readRoute(deps: CpDeps, idOrSlug: string) {
  const result = await deps.db.transaction(
    async (tx) => {
      const route = await lookupRoute(tx, idOrSlug);
      return route ? { version: await readVersion(tx, 'routing'), ...route } : null;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  if (!result) throw new NotFound('tenant');
  return result;
}
