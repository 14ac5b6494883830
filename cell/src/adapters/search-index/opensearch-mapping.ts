import { cleanIndexText, titleSortKey } from './common.ts';
import type { IndexedDocument } from './port.ts';

/**
 * The OpenSearch index layout, versioned in code. Concrete index names carry the version
 * (`<alias>-v<MAPPING_VERSION>[-<generation>]`); readers and writers only ever use the alias.
 * Changing anything below (fields, analyzers) means: bump MAPPING_VERSION, then run
 * `reindex()` per alias (create the new index, `_reindex`, swap the alias atomically, delete
 * the old one). Adding a brand-new field that old documents may lack is the only change that
 * can also go through a plain put-mapping without a bump.
 */
export const MAPPING_VERSION = 1;

/**
 * One primary shard per index. Facet counts (terms aggregations) are then exact: a terms
 * aggregation is only approximate when buckets are merged from several shards. Pooled tenants
 * are also routed by tenant id, so a pooled index could get more shards later and each
 * tenant's search would still hit exactly one shard (exact counts again).
 */
export const SHARDS = 1;

/** The engine indexes (and keeps for snippets) at most this much of a body, like the Postgres engine. */
export const MAX_BODY_CHARS = 1_000_000;
/** Title sort keys are cut here: cursors carry them (common.ts parseAfter accepts up to 1024). */
const MAX_TITLE_KEY_CHARS = 1024;

/** Prefix queries (`rep*`) run as single term lookups for prefixes of this many characters. */
const INDEX_PREFIXES = { min_chars: 2, max_chars: 10 } as const;

export function indexSettings(replicas: number, shards = SHARDS) {
  return {
    index: {
      number_of_shards: shards,
      number_of_replicas: replicas,
      // Writes wait for this refresh (`refresh: 'wait_for'`), so it bounds write latency.
      refresh_interval: '1s',
      max_result_window: 10_000,
    },
  };
}

/** English stemming for the searchable text; a plain (unstemmed) subfield serves prefixes and their highlights. */
const plainSubfield = {
  type: 'text',
  analyzer: 'standard',
  index_options: 'offsets',
  index_prefixes: INDEX_PREFIXES,
} as const;

export const MAPPINGS = {
  dynamic: 'strict',
  _meta: { mapping_version: MAPPING_VERSION },
  properties: {
    tenant_id: { type: 'keyword' },
    document_id: { type: 'keyword' },
    version_id: { type: 'keyword', index: false },
    title: {
      type: 'text',
      analyzer: 'english',
      index_options: 'offsets',
      fields: {
        plain: plainSubfield,
      },
    },
    /** titleSortKey(title) (common.ts), as every engine sorts titles; keyword order is code point order. */
    title_sort: { type: 'keyword' },
    filename: {
      type: 'text',
      analyzer: 'standard',
      fields: { keyword: { type: 'keyword', ignore_above: 1024 } },
    },
    tags: {
      type: 'keyword',
      fields: { text: { type: 'text', analyzer: 'english' } },
    },
    body: {
      type: 'text',
      analyzer: 'english',
      // Offsets in the postings let the unified highlighter find fragments without re-analysing.
      index_options: 'offsets',
      fields: { plain: plainSubfield },
    },
    folder_id: { type: 'keyword' },
    ancestor_ids: { type: 'keyword' },
    author_id: { type: 'keyword' },
    type: { type: 'keyword' },
    content_type: { type: 'keyword' },
    /** The custom fields as given, kept in _source only (no mapping explosion). */
    custom_fields: { type: 'object', enabled: false },
    /** One keyword per field, `customFieldTerm(key, value)`: exact matches, types kept apart. */
    custom_kv: { type: 'keyword' },
    created_at: { type: 'date' },
    updated_at: { type: 'date' },
    /** UTC year of updated_at, the `year` facet. */
    year: { type: 'integer' },
    language: { type: 'keyword' },
    /** When this adapter wrote the document: the catch-up pass of a reindex uses it. */
    indexed_at: { type: 'date' },
  },
} as const;

/** A custom field as one exact term; JSON keeps `3` and `"3"` (and keys containing separators) apart. */
export function customFieldTerm(key: string, value: string | number | boolean): string {
  return JSON.stringify([key, value]);
}

export interface IndexedSource {
  tenant_id: string;
  document_id: string;
  version_id: string;
  title: string;
  title_sort: string;
  filename: string;
  tags: string[];
  body: string;
  folder_id: string | null;
  ancestor_ids: string[];
  author_id: string;
  type: string;
  content_type: string;
  custom_fields: Record<string, string | number | boolean>;
  custom_kv: string[];
  created_at: string;
  updated_at: string;
  year: number;
  language: string;
  indexed_at: string;
}

/**
 * The stored document. Text is cleaned (common.ts cleanIndexText) so that no document can
 * carry the highlight markers the engine turns into <mark>.
 */
export function toSource(doc: IndexedDocument, indexedAt: Date): IndexedSource {
  const title = cleanIndexText(doc.title);
  const body = doc.body.length > MAX_BODY_CHARS ? doc.body.slice(0, MAX_BODY_CHARS) : doc.body;
  return {
    tenant_id: doc.tenantId,
    document_id: doc.documentId,
    version_id: doc.versionId,
    title,
    title_sort: titleSortKey(title).slice(0, MAX_TITLE_KEY_CHARS),
    filename: cleanIndexText(doc.filename),
    tags: doc.tags.map(cleanIndexText),
    body: cleanIndexText(body),
    folder_id: doc.folderId,
    ancestor_ids: doc.ancestorIds,
    author_id: doc.authorId,
    type: doc.type,
    content_type: doc.contentType,
    custom_fields: doc.customFields,
    custom_kv: Object.entries(doc.customFields).map(([k, v]) => customFieldTerm(k, v)),
    created_at: doc.createdAt.toISOString(),
    updated_at: doc.updatedAt.toISOString(),
    year: doc.updatedAt.getUTCFullYear(),
    language: doc.language,
    indexed_at: indexedAt.toISOString(),
  };
}
