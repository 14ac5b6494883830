import { FACET_SIZE, MARK_CLOSE, MARK_OPEN, MAX_SNIPPETS, parseAfter, relevanceOffset } from './common.ts';
import { BODY_FIELDS, customFieldTerm, TITLE_FIELDS } from './opensearch-mapping.ts';
import {
  type AccessFilter,
  type Facet,
  type SearchFilters,
  type SearchQuery,
  type SearchSort,
  type TextQuery,
  TOTAL_COUNT_CAP,
} from './port.ts';

/**
 * Translates the one query model into an OpenSearch request body. Pure: no I/O, so the
 * tenant filter and every clause can be read (and tested) in one place.
 */

/** A fragment of the query DSL (open JSON). */
export type Dsl = { [key: string]: unknown };

/**
 * Title beats tags beats file name and body, like the Postgres engine's weights. The language
 * patterns expand to every language's field; only the document's own language holds text.
 */
const TEXT_FIELDS = [`${TITLE_FIELDS}^3`, 'tags.text^2', 'filename', BODY_FIELDS];
const EXCLUDE_FIELDS = [TITLE_FIELDS, 'tags.text', 'filename', BODY_FIELDS];

/** Characters per snippet fragment (about the Postgres engine's 30 words). */
export const SNIPPET_FRAGMENT_SIZE = 200;

const FACET_FIELDS: Record<Facet, string> = {
  tags: 'tags',
  author: 'author_id',
  type: 'type',
  year: 'year',
};

/**
 * Proximity (the words next to each other) re-ranks the best RESCORE_WINDOW matches instead of
 * being a clause every match is scored against. Fixed, so pages never disagree on the order:
 * the window's documents come first (their score only grows), then the rest by plain score.
 */
export const RESCORE_WINDOW = 200;

export function sortClause(sort: SearchSort): Dsl[] | undefined {
  switch (sort) {
    case 'relevance':
      return undefined;
    case 'date':
      return [{ updated_at: { order: 'desc' } }, { document_id: { order: 'asc' } }];
    case 'title':
      return [{ title_sort: { order: 'asc' } }, { document_id: { order: 'asc' } }];
  }
}

/**
 * The wire cursor of the date and title sorts (common.ts: date [ISO updatedAt, id], title
 * [title key, id]) → OpenSearch `search_after` values; a malformed one is a client mistake.
 */
export function searchAfter(sort: SearchSort, after: unknown[] | undefined): unknown[] | undefined {
  if (sort === 'relevance') throw new Error('relevance pages by offset');
  const parsed = parseAfter(sort, after);
  if (parsed === undefined) return undefined;
  const [key, id] = parsed;
  return sort === 'date' ? [Date.parse(String(key)), id] : [key, id];
}

/** OpenSearch sort values of the last hit → the wire cursor (dates as ISO strings). */
export function cursorOf(sort: SearchSort, values: unknown[]): unknown[] {
  const [key, id] = values;
  return sort === 'date' ? [new Date(Number(key)).toISOString(), id] : [key, id];
}

export function tenantFilter(tenantId: string): Dsl {
  return { term: { tenant_id: tenantId } };
}

/** The permission filter, built upstream from grants: ancestor folder OR the document itself. */
export function accessClause(access: AccessFilter): Dsl | null {
  if (access.all) return null;
  const should: Dsl[] = [];
  if (access.folderIds.length > 0) should.push({ terms: { ancestor_ids: access.folderIds } });
  if (access.documentIds.length > 0) should.push({ terms: { document_id: access.documentIds } });
  if (should.length === 0) return { match_none: {} };
  return { bool: { should, minimum_should_match: 1 } };
}

export function filterClauses(filters: SearchFilters): Dsl[] {
  const out: Dsl[] = [];
  if (filters.folderId !== undefined) {
    out.push(
      filters.includeSubfolders === false
        ? { term: { folder_id: filters.folderId } }
        : { term: { ancestor_ids: filters.folderId } },
    );
  }
  for (const tag of filters.tags ?? []) out.push({ term: { tags: tag } });
  if (filters.authorId !== undefined) out.push({ term: { author_id: filters.authorId } });
  if (filters.types !== undefined) out.push({ terms: { type: filters.types } });
  if (filters.updatedFrom !== undefined || filters.updatedTo !== undefined) {
    const range: Dsl = { format: 'strict_date_optional_time' };
    if (filters.updatedFrom !== undefined) range.gte = filters.updatedFrom.toISOString();
    if (filters.updatedTo !== undefined) range.lt = filters.updatedTo.toISOString();
    out.push({ range: { updated_at: range } });
  }
  for (const [key, value] of Object.entries(filters.customFields ?? {})) {
    out.push({ term: { custom_kv: customFieldTerm(key, value) } });
  }
  return out;
}

/** A prefix as a literal for query_string: its syntax escaped (`<` and `>` cannot be, so they go). */
function escapeQueryString(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '<' || ch === '>') continue;
    out += '\\+-=&|!(){}[]^"~*?:/ '.includes(ch) ? `\\${ch}` : ch;
  }
  return out;
}

function isEmpty(text: TextQuery): boolean {
  return text.terms.length + text.phrases.length + text.prefixes.length === 0;
}

export interface TextClauses {
  must: Dsl[];
  should: Dsl[];
  mustNot: Dsl[];
  /** Present when words or phrases may all analyse to nothing (stop words): then nothing matches. */
  guard: Dsl | null;
  /** What the snippets highlight: the positive text clauses only (never filters or ids). */
  highlight: Dsl | null;
}

/**
 * Words and phrases are matched like the Postgres engine's tsquery: every word must occur in
 * the title, tags, file name or body (stemmed in the document's language); a word or phrase
 * that is only stop words drops out, and a query whose words and phrases all drop out (with no
 * prefix) matches nothing.
 */
export function textClauses(text: TextQuery): TextClauses {
  const must: Dsl[] = [];
  const should: Dsl[] = [];
  const highlight: Dsl[] = [];
  const guards: Dsl[] = [];
  // `all`: a stop word is neutral where it is required; `none`: it does not count as a real word (the guard).
  const word = (query: string, zero: 'all' | 'none') => ({
    multi_match: { query, fields: TEXT_FIELDS, type: 'best_fields', operator: 'and', zero_terms_query: zero },
  });
  const phrase = (query: string, zero: 'all' | 'none') => ({
    multi_match: { query, fields: TEXT_FIELDS, type: 'phrase', zero_terms_query: zero },
  });
  for (const term of text.terms) {
    must.push(word(term, 'all'));
    guards.push(word(term, 'none'));
    highlight.push(word(term, 'none'));
  }
  if (text.terms.length >= 2) {
    // Proximity bonus (a rescore, see buildSearch): the words next to each other rank above the same words scattered.
    should.push({
      multi_match: { query: text.terms.join(' '), fields: TEXT_FIELDS, type: 'phrase', slop: 1, boost: 2 },
    });
  }
  for (const p of text.phrases) {
    must.push(phrase(p, 'all'));
    guards.push(phrase(p, 'none'));
    highlight.push(phrase(p, 'none'));
  }
  for (const raw of text.prefixes) {
    const prefix = raw.toLowerCase();
    must.push({
      bool: {
        should: [
          { prefix: { title_plain: { value: prefix, boost: 3 } } },
          { prefix: { tags: { value: raw, case_insensitive: true, boost: 2 } } },
          { prefix: { 'filename.keyword': { value: raw, case_insensitive: true } } },
          { prefix: { body_plain: { value: prefix } } },
        ],
        minimum_should_match: 1,
      },
    });
    // Snippets come from the language fields: the same prefix over their (stemmed) words.
    highlight.push({
      query_string: {
        query: `${escapeQueryString(prefix)}*`,
        fields: [BODY_FIELDS],
        analyze_wildcard: false,
        lenient: true,
      },
    });
  }
  const mustNot = text.excludes.map((exclude) => ({
    multi_match: { query: exclude, fields: EXCLUDE_FIELDS, type: 'phrase' },
  }));
  return {
    must,
    should,
    mustNot,
    guard:
      guards.length > 0 && text.prefixes.length === 0
        ? { bool: { should: guards, minimum_should_match: 1 } }
        : null,
    highlight: highlight.length > 0 ? { bool: { should: highlight, minimum_should_match: 1 } } : null,
  };
}

export interface BuiltSearch {
  /** Asks for one hit more than the page, to know whether a next page exists. */
  body: Dsl;
  /** Relevance only: results before this page. */
  offset: number;
}

/**
 * The whole search body. `tenantId` goes in as a mandatory filter whatever the index
 * strategy: in the shared index it is what keeps tenants apart (routing only picks the shard),
 * in a tenant's own index it is a second lock.
 */
export function buildSearch(tenantId: string, query: SearchQuery): BuiltSearch {
  const text = textClauses(query.text);
  const filter: Dsl[] = [tenantFilter(tenantId), ...filterClauses(query.filters)];
  const access = accessClause(query.access);
  if (access !== null) filter.push(access);
  if (text.guard !== null) filter.push(text.guard);

  const bool: Dsl = { filter };
  if (text.must.length > 0) bool.must = text.must;
  else if (isEmpty(query.text)) bool.must = [{ match_all: {} }];
  if (text.mustNot.length > 0) bool.must_not = text.mustNot;

  const size = query.limit + 1;
  const relevance = query.sort === 'relevance';
  const offset = relevance ? relevanceOffset(query.after) : 0;
  const body: Dsl = {
    query: { bool },
    size,
    // Counting stops at the cap (port.ts TOTAL_COUNT_CAP): past it, blocks that cannot make the page are skipped.
    track_total_hits: TOTAL_COUNT_CAP,
    timeout: `${Math.max(1, Math.floor(query.timeoutMs))}ms`,
    _source: { excludes: [BODY_FIELDS, TITLE_FIELDS, 'custom_fields', 'custom_kv'] },
  };
  if (relevance) {
    body.from = offset;
    if (text.should.length > 0) {
      body.rescore = {
        window_size: RESCORE_WINDOW,
        query: { rescore_query: { bool: { should: text.should } }, query_weight: 1, rescore_query_weight: 1 },
      };
    }
  } else {
    body.sort = sortClause(query.sort);
    const after = searchAfter(query.sort, query.after);
    if (after !== undefined) body.search_after = after;
  }
  if (text.highlight !== null) {
    // Markers, not HTML: the hit's fragments go through common.ts markedToHtml like the
    // Postgres engine's, so both escape alike. no_match_size: the body's start when it has no match.
    const fragments = { fragment_size: SNIPPET_FRAGMENT_SIZE, number_of_fragments: MAX_SNIPPETS };
    body.highlight = {
      type: 'unified',
      pre_tags: [MARK_OPEN],
      post_tags: [MARK_CLOSE],
      highlight_query: text.highlight,
      // Only the document's own language field holds its body.
      fields: { [BODY_FIELDS]: { ...fragments, no_match_size: SNIPPET_FRAGMENT_SIZE } },
    };
  }
  if (query.facets.length > 0) {
    const aggs: Dsl = {};
    for (const facet of new Set(query.facets)) {
      aggs[facet] = {
        terms: {
          field: FACET_FIELDS[facet],
          size: FACET_SIZE,
          // common.ts: the most frequent first, ties by value ascending.
          order: [{ _count: 'desc' }, { _key: 'asc' }],
        },
      };
    }
    body.aggs = aggs;
  }
  return { body, offset };
}
