import { z } from '@hono/zod-openapi';
import { type CellStatus, SEARCH_ENGINES } from '@quire/shared/routing';
import type { CellRow } from '../../db/schema/index.ts';
import { searchCapacity } from './capacity.ts';

/**
 * What the edge is told about a cell. A cell that never heartbeated (`pending`) or missed its
 * window is `down`; `draining` still serves its tenants but gets no new ones.
 */
export function routeStatus(row: Pick<CellRow, 'health' | 'draining'>): CellStatus {
  if (row.health !== 'up') return 'down';
  return row.draining ? 'draining' : 'active';
}

export const cellView = z
  .object({
    id: z.string(),
    region: z.string(),
    status: z.enum(['pending', 'active', 'draining', 'down']),
    draining: z.boolean(),
    baseUrl: z.string().nullable(),
    version: z.string().nullable(),
    issuer: z.string().nullable(),
    capacity: z.number().int(),
    search: z
      .object({
        engine: z.enum(SEARCH_ENGINES),
        maxTenantDocuments: z
          .number()
          .int()
          .nullable()
          .describe('Largest tenant (documents) it serves; null = no limit'),
        reported: z
          .boolean()
          .describe(
            'false: the cell does not report its engine (older); taken to run Postgres with the default limit',
          ),
      })
      .describe('Its search engine: placement sends it only tenants whose documents quota it serves'),
    reportedTenantCount: z.number().int().describe('tenantCount from the last heartbeat'),
    homedTenants: z.number().int().describe('tenants the control plane has homed there (not deleted)'),
    lastHeartbeatAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Cell');
export type CellView = z.infer<typeof cellView>;

export function presentCell(row: CellRow, homedTenants: number): CellView {
  return {
    id: row.id,
    region: row.region,
    status: row.health === 'pending' ? 'pending' : routeStatus(row),
    draining: row.draining,
    baseUrl: row.baseUrl,
    version: row.version,
    issuer: row.issuer,
    capacity: row.capacity,
    search: searchCapacity(row),
    reportedTenantCount: row.tenantCount,
    homedTenants,
    lastHeartbeatAt: row.lastHeartbeatAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
