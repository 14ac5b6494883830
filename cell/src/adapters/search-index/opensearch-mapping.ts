import { ANALYZED_LANGUAGES, cleanIndexText, indexedBody, textSearchConfig, titleSortKey } from './common.ts';
import { type IndexedDocument, MAX_RESULT_DEPTH } from './port.ts';

/**
 * The OpenSearch index layout, versioned in code. Concrete index names carry the version
 * (`<alias>-v<MAPPING_VERSION>[-<generation>]`); readers and writers only ever use the alias.
 * Changing anything below (fields, analyzers) means: bump MAPPING_VERSION, then run
 * `migrateMappings()` / `reindex()` per alias (create the new index, `_reindex`, swap the alias
 * atomically, delete the old one). Adding a brand-new field that old documents may lack is the
 * only change that can also go through a plain put-mapping without a bump.
 */
export const MAPPING_VERSION = 2;

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

/**
 * Document languages with their own analysis (common.ts ANALYZED_LANGUAGES). Anything else
 * (nepali, serbian, tamil, yiddish, unknown) is `simple`: the standard analyzer, lower-cased
 * words, no stop words, no stemming, like Postgres' `simple`.
 */
export const LANGUAGES = ANALYZED_LANGUAGES;
export type Language = (typeof LANGUAGES)[number];

export function indexLanguage(hint: string): Language {
  const config = textSearchConfig(hint);
  return (LANGUAGES as readonly string[]).includes(config) ? (config as Language) : 'simple';
}

/**
 * A document's title and body live in the fields of its language only (`title_lang_<L>`,
 * `body_lang_<L>`), so the body is stored once; queries go over `*_lang_*` and each field
 * analyses the query words with its own language. Every language field is also copied into
 * one unstemmed `*_plain` field (not stored) that serves prefix queries.
 *
 * Language fields are mapped on first use (one dynamic template per language), not up front:
 * a query's `*_lang_*` patterns then expand to the languages the index actually holds (one or
 * two for most tenants) instead of all 25, which measured 14 % less query time on a
 * 1,000,000-document English tenant (bench/search). The mapping update is part of the write
 * that first uses a language, so it is searchable like any other write.
 */
export const titleField = (lang: Language) => `title_lang_${lang}`;
export const bodyField = (lang: Language) => `body_lang_${lang}`;
export const TITLE_FIELDS = 'title_lang_*';
export const BODY_FIELDS = 'body_lang_*';

/** Prefix queries (`rep*`) run as single term lookups for prefixes of this many characters. */
const INDEX_PREFIXES = { min_chars: 2, max_chars: 10 } as const;

const analyzerOf = (lang: Language) => (lang === 'simple' ? 'standard' : lang);

function languageTemplates(): Record<string, object>[] {
  const templates: Record<string, object>[] = [];
  for (const lang of LANGUAGES) {
    for (const [field, plain] of [
      [titleField(lang), 'title_plain'],
      [bodyField(lang), 'body_plain'],
    ] as const) {
      templates.push({
        [field]: {
          match: field,
          // Offsets in the postings let the unified highlighter cut snippets without re-analysing.
          mapping: { type: 'text', analyzer: analyzerOf(lang), index_options: 'offsets', copy_to: plain },
        },
      });
    }
  }
  return templates;
}

export function indexSettings(replicas: number, shards = SHARDS) {
  return {
    index: {
      number_of_shards: shards,
      number_of_replicas: replicas,
      // Writes wait for this refresh (`refresh: 'wait_for'`), so it bounds write latency.
      refresh_interval: '1s',
      // Relevance pages by offset up to MAX_RESULT_DEPTH, plus one page (at most 100 hits, +1).
      max_result_window: MAX_RESULT_DEPTH + 200,
    },
  };
}

const plainField = { type: 'text', analyzer: 'standard', index_prefixes: INDEX_PREFIXES } as const;

/**
 * `dynamic: true` only so that the language templates apply; `toSource` is the one writer and
 * produces no other field, and `custom_fields` (the one open object) is not mapped at all.
 */
export const MAPPINGS = {
  dynamic: true,
  _meta: { mapping_version: MAPPING_VERSION },
  dynamic_templates: languageTemplates(),
  properties: {
    tenant_id: { type: 'keyword' },
    document_id: { type: 'keyword' },
    version_id: { type: 'keyword', index: false },
    /** The title as given, for hits (searched through its language field). */
    title: { type: 'text', index: false },
    /** titleSortKey(title) (common.ts), as every engine sorts titles; keyword order is code point order. */
    title_sort: { type: 'keyword' },
    title_plain: plainField,
    body_plain: plainField,
    filename: {
      type: 'text',
      // Same analyzer as tags.text: words of a file name (`invoice-acme-2024.pdf`) match like words.
      analyzer: 'english',
      fields: { keyword: { type: 'keyword', ignore_above: 1024 } },
    },
    // Facet fields: global ordinals are built at refresh, not by the first faceted search after it.
    tags: {
      type: 'keyword',
      eager_global_ordinals: true,
      fields: { text: { type: 'text', analyzer: 'english' } },
    },
    folder_id: { type: 'keyword' },
    ancestor_ids: { type: 'keyword' },
    author_id: { type: 'keyword', eager_global_ordinals: true },
    type: { type: 'keyword', eager_global_ordinals: true },
    content_type: { type: 'keyword' },
    /** The custom fields as given, kept in _source only (no mapping explosion). */
    custom_fields: { type: 'object', enabled: false },
    /** One keyword per field, `customFieldTerm(key, value)`: exact matches. */
    custom_kv: { type: 'keyword' },
    created_at: { type: 'date' },
    updated_at: { type: 'date' },
    /** UTC year of updated_at, the `year` facet. */
    year: { type: 'integer' },
    /** The resolved language (one of LANGUAGES). */
    language: { type: 'keyword' },
    /** When this adapter wrote the document: the catch-up pass of a reindex uses it. */
    indexed_at: { type: 'date' },
  },
} as const;

/**
 * A custom field as one exact term. Values compare as text, like the Postgres engine's
 * (`{ amount: 5 }` and `{ amount: '5' }` are the same filter); JSON keeps keys containing
 * separators apart.
 */
export function customFieldTerm(key: string, value: string | number | boolean): string {
  return JSON.stringify([key, String(value)]);
}

export interface IndexedSource {
  tenant_id: string;
  document_id: string;
  version_id: string;
  title: string;
  title_sort: string;
  /** `title_lang_<L>` and `body_lang_<L>` of the document's language. */
  [languageField: string]: unknown;
  filename: string;
  tags: string[];
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
  language: Language;
  indexed_at: string;
}

/**
 * The stored document. Text is cleaned (common.ts cleanIndexText) so that no document can
 * carry the highlight markers the engine turns into <mark>.
 */
export function toSource(doc: IndexedDocument, indexedAt: Date): IndexedSource {
  const title = cleanIndexText(doc.title);
  const body = indexedBody(doc, MAX_BODY_CHARS);
  const lang = indexLanguage(doc.language);
  return {
    tenant_id: doc.tenantId,
    document_id: doc.documentId,
    version_id: doc.versionId,
    title,
    title_sort: titleSortKey(title).slice(0, MAX_TITLE_KEY_CHARS),
    [titleField(lang)]: title,
    [bodyField(lang)]: body,
    filename: cleanIndexText(doc.filename),
    tags: doc.tags.map(cleanIndexText),
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
    language: lang,
    indexed_at: indexedAt.toISOString(),
  };
}
