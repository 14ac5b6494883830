import { Conflict } from '@quire/shared/errors';
import { DEFAULT_MAX_TENANT_DOCUMENTS, SEARCH_ENGINES, type SearchEngine } from '@quire/shared/routing';
import type { Conn } from '../../db/client.ts';
import { selectCell, selectRegionCells } from './repo.ts';

/** What a cell's search engine serves, as its heartbeat reported it (or as assumed, for an older cell). */
export interface SearchCapacity {
  engine: SearchEngine;
  /** The largest tenant in documents; null = no limit. */
  maxTenantDocuments: number | null;
  /** false: the cell did not say (older than the report); it is taken to run the embedded default. */
  reported: boolean;
}

/**
 * A cell that does not report its engine predates the report: it is taken to run the embedded
 * default, Postgres, with its default limit. Safe either way: a standard tenant still fits, and
 * a large one waits for a cell that says it can serve it.
 */
export function searchCapacity(row: {
  searchEngine: string | null;
  maxTenantDocuments: number | null;
}): SearchCapacity {
  const engine = SEARCH_ENGINES.find((e) => e === row.searchEngine);
  if (!engine)
    return { engine: 'postgres', maxTenantDocuments: DEFAULT_MAX_TENANT_DOCUMENTS.postgres, reported: false };
  return { engine, maxTenantDocuments: row.maxTenantDocuments, reported: true };
}

/** Whether an engine serves a tenant allowed `documents` documents (null = unlimited). */
export function canServe(capacity: SearchCapacity, documents: number | null): boolean {
  if (capacity.maxTenantDocuments === null) return true;
  return documents !== null && documents <= capacity.maxTenantDocuments;
}

export const documentsText = (n: number | null) => (n === null ? 'unlimited' : n.toLocaleString('en-US'));

/**
 * The refusal when the search engine, not room, is what stops a placement or a plan change:
 * a 409 whose details name the reason, the quota, and the cells of the region that could serve it.
 */
export function engineCapacityConflict(
  message: string,
  details: { region: string; documents: number | null; capableCellIds: string[] } & Record<string, unknown>,
): Conflict {
  const capable = details.capableCellIds.length
    ? `cells of region ${details.region} that could serve it: ${details.capableCellIds.join(', ')}`
    : `no cell of region ${details.region} runs a search engine that serves it (add an OpenSearch cell)`;
  return new Conflict(`${message}; ${capable}`, { reason: 'search_engine_capacity', ...details });
}

/**
 * Refuses (409) a tenant whose documents quota its home cell's engine cannot serve; the
 * details name the cell, its engine and limit, and the cells of the region that could.
 */
export async function assertEngineServes(
  conn: Conn,
  o: { cellId: string; documents: number | null; why: string },
): Promise<void> {
  const cell = await selectCell(conn, o.cellId);
  if (!cell) return;
  const capacity = searchCapacity(cell);
  if (canServe(capacity, o.documents)) return;
  const region = await selectRegionCells(conn, cell.region);
  throw engineCapacityConflict(
    `cell ${cell.id} (${capacity.engine} search) serves tenants up to ${documentsText(capacity.maxTenantDocuments)} documents; ${o.why} allows ${documentsText(o.documents)}`,
    {
      region: cell.region,
      cellId: cell.id,
      engine: capacity.engine,
      maxTenantDocuments: capacity.maxTenantDocuments,
      documents: o.documents,
      capableCellIds: region.filter((c) => canServe(searchCapacity(c), o.documents)).map((c) => c.id),
    },
  );
}
