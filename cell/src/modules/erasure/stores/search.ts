import { sql } from 'drizzle-orm';
import type { SearchIndex, SearchQuery } from '../../../adapters/search-index/port.ts';
import type { CellDeps } from '../../../context.ts';
import { withTenantTx } from '../../../db/tenant-tx.ts';
import { parseQuery } from '../../search/query-parser.ts';
import type { Identifiers } from '../identifiers.ts';

const base = (filters: SearchQuery['filters'], text = parseQuery('').text): SearchQuery => ({
  text,
  filters,
  access: { all: true },
  facets: [],
  sort: 'date',
  limit: 100,
  timeoutMs: 15_000,
});

/** Documents whose index entry names the person: authored by them, or holding their email. */
async function indexedNaming(index: SearchIndex, tenantId: string, ids: Identifiers) {
  const queries = [
    { label: `authorId = ${'<user id>'}`, query: base({ authorId: ids.userId }) },
    { label: 'phrase "<email>"', query: base({}, parseQuery(`"${ids.email}"`).text) },
  ];
  const out: { label: string; total: number; ids: string[] }[] = [];
  for (const q of queries) {
    const r = await index.search(tenantId, q.query);
    out.push({ label: q.label, total: r.total, ids: r.hits.map((h) => h.documentId) });
  }
  return out;
}

/**
 * The search index: every entry that names the person (as author, or in its text: their comments
 * and mentions are indexed with the document) is removed now; the Postgres step, which rewrites
 * what the entries are built from, queues those documents for re-indexing, so they come back
 * without the person (by "Deleted user", owned by the admin they were reassigned to).
 */
export const searchStore = {
  name: 'search' as const,
  async erase(deps: CellDeps, tenantId: string, ids: Identifiers): Promise<string[]> {
    const fromDb = await withTenantTx(
      deps.db,
      tenantId,
      (tx) =>
        tx.execute<{ id: string }>(sql`
          select id from documents where tenant_id = ${tenantId} and created_by = ${ids.userId}
          union
          select document_id from comments where tenant_id = ${tenantId}
            and (author_id = ${ids.userId} or strpos(body, ${ids.userId}) > 0
                 or strpos(lower(body), lower(${ids.email})) > 0)`),
      { readOnly: true },
    );
    const affected = new Set(fromDb.map((r) => r.id));
    // Pages of 100 until the engine finds nothing more naming them.
    for (let round = 0; round < 1000; round++) {
      const found = (await indexedNaming(deps.searchIndex, tenantId, ids)).flatMap((q) => q.ids);
      const fresh = [...new Set([...found, ...(round === 0 ? affected : [])])];
      if (fresh.length === 0) break;
      for (const id of found) affected.add(id);
      await deps.searchIndex.remove(tenantId, fresh);
      if (found.length === 0) break;
    }
    return [...affected];
  },
  async verify(deps: CellDeps, tenantId: string, ids: Identifiers) {
    const results = await indexedNaming(deps.searchIndex, tenantId, ids);
    return {
      query: `${deps.searchIndex.engine}: ${results.map((r) => r.label).join('; ')}`,
      count: results.reduce((n, r) => n + r.total, 0),
    };
  },
};
