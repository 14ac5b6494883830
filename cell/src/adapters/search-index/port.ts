import type { IsolationTier } from '@quire/shared/plans';

/**
 * Where a cell's search engine lives. Two real implementations: Postgres full-text search
 * (the embedded default) and OpenSearch. One query model for both: the route parses and
 * guards a request into a SearchQuery, builds its AccessFilter in one place
 * (modules/search/access-filter.ts), and an engine only translates.
 *
 * Every call is for exactly one tenant; an engine must never return, count or facet a
 * document of another tenant, whatever the query says.
 */

/** What the index holds for one document: its current version, never trashed documents. */
export interface IndexedDocument {
  tenantId: string;
  documentId: string;
  versionId: string;
  title: string;
  filename: string;
  tags: string[];
  /** Extracted text of the current version ('' when extraction failed or the type has none). */
  body: string;
  /**
   * The text of the document's live comments, one per line, mention markers as names ('' when
   * none). Indexed as part of the body text (see common.ts indexedBody): whoever may read the
   * document finds it by its comments, nobody else, since comments follow the document's access.
   */
  comments: string;
  folderId: string | null;
  /** Folder ids from the root down to and including the containing folder (the permission filter matches on these). */
  ancestorIds: string[];
  authorId: string;
  /** Coarse type for facets and filters: pdf, docx, xlsx, pptx, text, markdown, html, csv, image, other. */
  type: string;
  contentType: string;
  customFields: Record<string, string | number | boolean>;
  createdAt: Date;
  updatedAt: Date;
  /** ISO language hint for stemming; 'simple' when unknown. */
  language: string;
}

/** Free text, parsed once (modules/search/query-parser.ts): `budget "annual report" rep* -draft`. */
export interface TextQuery {
  /** Words that must all match (stemmed). */
  terms: string[];
  /** Exact phrases that must match. */
  phrases: string[];
  /** Prefixes that must match (`rep*`), at least MIN_PREFIX_LENGTH characters. */
  prefixes: string[];
  /** Words or phrases that must not match. */
  excludes: string[];
}

/**
 * Who may read what, resolved from grants at query time, so a revoked grant stops
 * matching at once. `all` is a tenant admin. Otherwise a document matches when one of its
 * ancestor folders is in folderIds or its own id is in documentIds.
 */
export type AccessFilter = { all: true } | { all: false; folderIds: string[]; documentIds: string[] };

export interface SearchFilters {
  folderId?: string;
  /** With folderId: include everything below it (default) or only its direct children. */
  includeSubfolders?: boolean;
  /** All of these tags. */
  tags?: string[];
  authorId?: string;
  types?: string[];
  /** On updatedAt, inclusive from, exclusive to. */
  updatedFrom?: Date;
  updatedTo?: Date;
  /** Exact match on custom field values. */
  customFields?: Record<string, string | number | boolean>;
}

export const FACETS = ['tags', 'author', 'type', 'year'] as const;
export type Facet = (typeof FACETS)[number];
export type SearchSort = 'relevance' | 'date' | 'title';

export interface SearchQuery {
  text: TextQuery;
  filters: SearchFilters;
  access: AccessFilter;
  facets: Facet[];
  sort: SearchSort;
  limit: number;
  /** Opaque engine cursor from a previous page's `next` (already decoded from the wire); engines may differ in its shape. */
  after?: unknown[];
  /** The plan's search timeout; the engine aborts and throws SearchTimeoutError past it. */
  timeoutMs: number;
}

export interface SearchHit {
  documentId: string;
  versionId: string;
  title: string;
  filename: string;
  folderId: string | null;
  authorId: string;
  type: string;
  tags: string[];
  updatedAt: Date;
  score: number;
  /** Highlighted fragments, matches wrapped in <mark>…</mark>, everything else HTML-escaped. */
  snippets: string[];
}

/**
 * Matching documents are counted exactly up to this many; past it `total` is this number and
 * `totalRelation` is `gte` ("10,000+"). Counting every match of a broad word would cost the
 * engine a pass over hundreds of thousands of documents that ranking can otherwise skip.
 */
export const TOTAL_COUNT_CAP = 10_000;

/**
 * How deep a search may be paged, in results: past it the guard asks for a narrower query
 * (modules/search/guard.ts), and an engine that pages by offset never skips more than this.
 */
export const MAX_RESULT_DEPTH = 10_000;

/**
 * An engine may count facets over a sample of the matches instead of all of them, and then says so
 * (`facetsRelation: 'sample'`): every match up to FACET_SAMPLE_SIZE, past it the first
 * FACET_SAMPLE_SIZE matches the engine finds (not the best: ranking them would cost what the
 * sample saves). Counting every match of a broad word costs a pass over hundreds of thousands of
 * documents. Postgres samples; OpenSearch's aggregations count every match.
 */
export const FACET_SAMPLE_SIZE = TOTAL_COUNT_CAP;

export interface SearchResult {
  hits: SearchHit[];
  /** Number of matching documents the caller may read: exact up to TOTAL_COUNT_CAP, then the cap. */
  total: number;
  /** `eq`: total is exact; `gte`: at least total (the cap was reached). */
  totalRelation: 'eq' | 'gte';
  facets: Partial<Record<Facet, { value: string; count: number }[]>>;
  /** `eq`: facets count every match; `sample`: they count FACET_SAMPLE_SIZE of the matches only. */
  facetsRelation: 'eq' | 'sample';
  /** Sort key of the last hit, to pass back as `after`; null on the last page. */
  next: unknown[] | null;
}

/** What the consistency checker compares per document. */
export interface IndexedEntry {
  documentId: string;
  versionId: string;
  updatedAt: Date;
  /** As indexed: the permission filter matches on these, so stale ancestry is stale access. */
  ancestorIds: string[];
}

export interface SearchIndex {
  readonly engine: 'postgres' | 'opensearch';
  /** Prepares the tenant's place in the engine (an own index for higher tiers); idempotent. */
  ensureTenant(tenantId: string, tier: IsolationTier): Promise<void>;
  /** Inserts or replaces by documentId; idempotent; never touches another tenant's documents. */
  upsert(tenantId: string, docs: IndexedDocument[]): Promise<void>;
  /** Idempotent. */
  remove(tenantId: string, documentIds: string[]): Promise<void>;
  search(tenantId: string, query: SearchQuery): Promise<SearchResult>;
  /** Every document indexed for the tenant (its version, update time and folder ancestry), ordered by documentId, for the consistency checker. */
  listIndexed(tenantId: string, afterDocumentId: string | null, limit: number): Promise<IndexedEntry[]>;
  /** Removes everything of the tenant (rebuild, offboarding); other tenants are untouched. */
  dropTenant(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

export class SearchTimeoutError extends Error {
  constructor(ms: number) {
    super(`search timed out after ${ms} ms`);
    this.name = 'SearchTimeoutError';
  }
}
