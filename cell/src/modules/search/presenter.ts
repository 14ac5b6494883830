import type { SearchResult } from '../../adapters/search-index/port.ts';

export function presentSearch(result: SearchResult, nextCursor: string | null) {
  return {
    items: result.hits.map((h) => ({
      id: h.documentId,
      versionId: h.versionId,
      title: h.title,
      filename: h.filename,
      folderId: h.folderId,
      authorId: h.authorId,
      type: h.type,
      tags: h.tags,
      updatedAt: h.updatedAt.toISOString(),
      score: h.score,
      snippets: h.snippets,
    })),
    total: result.total,
    totalRelation: result.totalRelation,
    facets: result.facets,
    facetsRelation: result.facetsRelation,
    nextCursor,
  };
}
