import { newId } from '@quire/shared/ids';
import type { IndexedDocument, SearchQuery } from '../../src/adapters/search-index/port.ts';

/** A document and a query as the engine tests (and bench/search) build them: every field set, overrides on top. */

export function doc(tenantId: string, overrides: Partial<IndexedDocument> = {}): IndexedDocument {
  return {
    tenantId,
    documentId: newId('document'),
    versionId: newId('version'),
    title: 'Untitled',
    filename: 'untitled.txt',
    tags: [],
    body: '',
    comments: '',
    folderId: null,
    ancestorIds: [],
    authorId: 'usr_author',
    type: 'text',
    contentType: 'text/plain',
    customFields: {},
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    language: 'english',
    ...overrides,
  };
}

export function query(
  text: Partial<SearchQuery['text']> = {},
  overrides: Partial<Omit<SearchQuery, 'text'>> = {},
): SearchQuery {
  return {
    text: { terms: [], phrases: [], prefixes: [], excludes: [], ...text },
    filters: {},
    access: { all: true },
    facets: [],
    sort: 'relevance',
    limit: 20,
    timeoutMs: 10_000,
    ...overrides,
  };
}
