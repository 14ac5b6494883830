import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/tenant-tx.ts';
import {
  emptyResult,
  FACET_SIZE,
  FRAGMENT_SEPARATOR,
  LT_STAND_IN,
  MARK_CLOSE,
  MARK_OPEN,
  MAX_SNIPPETS,
  markedToHtml,
  parseAfter,
  relevanceCursor,
  relevanceOffset,
} from './common.ts';
import {
  FACET_SAMPLE_SIZE,
  type Facet,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
  type TextQuery,
  TOTAL_COUNT_CAP,
} from './port.ts';

/**
 * The read side of the Postgres engine (migration 0006_search_rum.sql): one statement per search,
 * as the app role, through the SECURITY DEFINER functions that apply the tenant and the access
 * filter (search_hits, search_count).
 *
 * - Relevance: an ordered scan of the RUM index, best first (`tsv <=> query`), cut at the page's
 *   end. The index ranks from its own copy of the word positions; only the rows it returns are
 *   read from the heap. Pages by offset (`['offset', n]`).
 * - Date and title: the page is cut inside the match query (keyset `after`).
 * - The total is counted up to the cap by an unordered scan of the same index; with facets that
 *   scan returns the facet columns too, and facets count those matches: all of them up to
 *   FACET_SAMPLE_SIZE (= the cap), the first FACET_SAMPLE_SIZE found past it (`'sample'`).
 * - Snippets are cut for the page's hits only, from a window of the body (search_snippet_source
 *   in the migration), with ts_headline.
 */

const HEADLINE_OPTIONS = [
  `StartSel="${MARK_OPEN}"`,
  `StopSel="${MARK_CLOSE}"`,
  `FragmentDelimiter="${FRAGMENT_SEPARATOR}"`,
  `MaxFragments=${MAX_SNIPPETS}`,
  'MaxWords=30',
  'MinWords=10',
].join(', ');

/** Characters of the body ts_headline is given: room for two fragments of 30 words. */
const SNIPPET_WINDOW_CHARS = 500;

/** A text[] literal for binding a list as one parameter (the driver would expand a JS array). */
export function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** A search's text as tsqueries (postgres.ts): whole, without prefixes, prefixes, ranking (scoped). */
export interface PreparedText {
  full: string | null;
  words: string | null;
  prefixes: string | null;
  /** The words scoped to the tenant when there is one to rank by (not only exclusions). */
  ranked: string | null;
}

/** The query and filter arguments search_hits and search_count share (in their order). */
function filterArgs(query: SearchQuery, text: PreparedText): SQL {
  const { access, filters } = query;
  const custom = filters.customFields
    ? Object.fromEntries(Object.entries(filters.customFields).map(([k, v]) => [k, String(v)]))
    : null;
  const keys = access.all ? null : textArray([...access.folderIds, ...access.documentIds]);
  return sql`${text.words}::tsquery, ${text.prefixes}::tsquery, ${access.all}, ${keys}::text[],
    ${filters.folderId ?? null}::text, ${filters.includeSubfolders !== false},
    ${filters.tags?.length ? textArray(filters.tags) : null}::text[],
    ${filters.authorId ?? null}::text,
    ${filters.types?.length ? textArray(filters.types) : null}::text[],
    ${filters.updatedFrom?.toISOString() ?? null}::timestamptz,
    ${filters.updatedTo?.toISOString() ?? null}::timestamptz,
    ${custom ? JSON.stringify(custom) : null}::jsonb`;
}

/** search_hits rows, numbered from 1 in their order as `n`. */
function hits(args: SQL, order: string, after: [string, string] | undefined, limit: number): SQL {
  return sql`select h.* from search_hits(${args}, ${order}::text, ${after?.[0] ?? null}::text,
      ${after?.[1] ?? null}::text, ${limit}::int)
    with ordinality h(document_id, title_key, updated_at, author_id, type, tags, n)`;
}

const FACET_SQL: Record<Facet, SQL> = {
  tags: sql`select t as v, count(*) as n from s, unnest(s.tags) t group by t`,
  author: sql`select author_id as v, count(*) as n from s group by author_id`,
  type: sql`select type as v, count(*) as n from s group by type`,
  year: sql`select extract(year from updated_at at time zone 'UTC')::int::text as v, count(*) as n from s group by 1`,
};

function facetColumn(facet: Facet, requested: Facet[]): SQL {
  if (!requested.includes(facet)) return sql`null::json`;
  return sql`(select coalesce(json_agg(json_build_object('value', f.v, 'count', f.n)
      order by f.n desc, f.v collate "C"), '[]'::json)
    from (select g.v, g.n from (${FACET_SQL[facet]}) g order by g.n desc, g.v collate "C" limit ${FACET_SIZE}) f)`;
}

/**
 * Where a snippet window starts (search_snippet_source): case-insensitive regular expressions for
 * the query's phrases, then its words and their stems, at the start of a word and cut to a
 * stem-like prefix so that inflected forms are found too ('policy' and its stem 'polici' → 'poli',
 * 'running' and 'run' → 'runni', 'run'). Null when there is nothing to look for.
 */
export function snippetNeedles(text: TextQuery, q: string): { phrases: string | null; words: string | null } {
  const stem = (w: string) => (w.length <= 3 ? w : w.slice(0, Math.max(3, w.length - 2)));
  const literal = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const phrases = text.phrases.map((p) => p.toLowerCase().trim().split(/\s+/).map(literal).join('\\s+'));
  const raw = [...text.terms, ...text.prefixes, ...text.phrases.flatMap((p) => p.split(/\s+/))];
  // The normalised words of the query, without the excluded ones: `!'draft'`, `!( 'a' <-> 'b' )`.
  const positive = q.replace(/!\s*(\([^()]*\)|'(?:[^']|'')*')/g, ' ');
  const lexemes = [...positive.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
  const words = [...raw.map((w) => w.toLowerCase()), ...lexemes].map(stem).filter((w) => w.length >= 2);
  const any = (xs: string[]) => (xs.length > 0 ? `\\m(?:${[...new Set(xs)].join('|')})` : null);
  return { phrases: any(phrases.filter(Boolean)), words: any(words.map(literal)) };
}

interface HitRow {
  n: number;
  document_id: string;
  rank: number;
  version_id: string;
  title: string;
  title_key: string;
  filename: string;
  folder_id: string | null;
  author_id: string;
  type: string;
  tags: string[];
  updated_at: string;
  snippet: string | null;
}

type FacetRows = { value: string; count: number }[] | null;

export async function runSearch(
  tx: Tx,
  tenantId: string,
  query: SearchQuery,
  text: PreparedText,
): Promise<SearchResult> {
  const args = filterArgs(query, text);
  const q = text.full;
  const relevance = query.sort === 'relevance';
  const offset = relevance ? relevanceOffset(query.after) : 0;
  const after = query.sort === 'relevance' ? undefined : parseAfter(query.sort, query.after);
  const faceted = query.facets.length > 0;
  // Rows offset+1 … offset+limit are the page; one more says there is a next page.
  const first = relevance ? offset + 1 : 1;
  const last = first + query.limit - 1;

  const needles = q ? snippetNeedles(query.text, q) : null;
  const snippet = needles
    ? sql`ts_headline(d.language::regconfig, replace(search_snippet_source(d.body,
        ${needles.phrases}::text, ${needles.words}::text, ${SNIPPET_WINDOW_CHARS}),
        '<', ${LT_STAND_IN}), ${q}::tsquery, ${HEADLINE_OPTIONS})`
    : sql`null::text`;
  // The engine's order is the index's; the score shown is the same cover-density rank, 1 / distance
  // (0 when nothing ranks: only prefixes or exclusions, newest first).
  const score =
    relevance && text.ranked
      ? sql`coalesce(1 / nullif((d.tsv <=> ${text.ranked}::tsquery)::float8, 'Infinity'::float8), 0)`
      : sql`0::float8`;
  const hitsColumn = (page: SQL) => sql`(select coalesce(json_agg(h order by h.n), '[]'::json) from (
      select p.n, p.document_id, p.updated_at, p.title_key, d.version_id, d.title, d.filename, d.folder_id,
        d.author_id, d.type, d.tags,
        case when p.n <= ${last} then ${score} end as rank,
        case when p.n <= ${last} then ${snippet} end as snippet
      from (${page}) p join search_documents d on d.tenant_id = ${tenantId} and d.document_id = p.document_id
    ) h)`;
  const facetColumns = sql`${facetColumn('tags', query.facets)} as tags,
      ${facetColumn('author', query.facets)} as author,
      ${facetColumn('type', query.facets)} as type,
      ${facetColumn('year', query.facets)} as year`;

  // Facets count the first FACET_SAMPLE_SIZE matches an unordered scan finds (no ranking, no
  // re-check), which also gives the capped total; without facets a count does.
  const counted = faceted
    ? sql`(select count(*) from c)::int`
    : sql`search_count(${args}, ${TOTAL_COUNT_CAP + 1}::int)`;
  const sample = faceted
    ? sql`c as materialized (${hits(args, 'match', undefined, TOTAL_COUNT_CAP + 1)}),
        s as (select * from c where c.n <= ${FACET_SAMPLE_SIZE}),`
    : sql``;
  let statement: SQL;
  if (relevance) {
    // Best first from the RUM index, cut at the page's end. RUM re-checks every row it returns
    // against the heap (the tsvector is detoasted), so the ranked pass stops there; a short first
    // page is its own total.
    const window = last + 1;
    statement = sql`with ${sample} m as materialized (${hits(args, 'relevance', undefined, window)})
      select case when ${first} = 1 and (select count(*) from m) < ${window} then (select count(*) from m)::int
          else ${counted} end as total,
        ${facetColumns},
        ${hitsColumn(sql`select * from m where m.n >= ${first}`)} as hits`;
  } else {
    statement = sql`with ${sample} m as materialized (${hits(args, query.sort, after, query.limit + 1)})
      select ${counted} as total, ${facetColumns}, ${hitsColumn(sql`select * from m`)} as hits`;
  }
  const [row] = await tx.execute<{
    total: number;
    tags: FacetRows;
    author: FacetRows;
    type: FacetRows;
    year: FacetRows;
    hits: HitRow[];
  }>(statement);
  if (!row) return emptyResult(query.facets);

  const page = row.hits.filter((h) => h.n <= last).map(toHit);
  const more = row.hits.some((h) => h.n > last);
  const lastHit = page.at(-1);
  const lastRow = row.hits.find((h) => h.n === last);
  const facets: SearchResult['facets'] = {};
  for (const f of query.facets) facets[f] = (row[f] ?? []).map((x) => ({ value: x.value, count: x.count }));
  let next: unknown[] | null = null;
  if (more && lastHit) {
    if (relevance) next = relevanceCursor(offset + page.length);
    else if (query.sort === 'date') next = [lastHit.updatedAt.toISOString(), lastHit.documentId];
    else if (lastRow) next = [lastRow.title_key, lastHit.documentId];
  }
  return {
    hits: page,
    total: Math.min(row.total, TOTAL_COUNT_CAP),
    totalRelation: row.total > TOTAL_COUNT_CAP ? 'gte' : 'eq',
    facets,
    facetsRelation: faceted && row.total > FACET_SAMPLE_SIZE ? 'sample' : 'eq',
    next,
  };
}

function toHit(r: HitRow): SearchHit {
  return {
    documentId: r.document_id,
    versionId: r.version_id,
    title: r.title,
    filename: r.filename,
    folderId: r.folder_id,
    authorId: r.author_id,
    type: r.type,
    tags: r.tags,
    updatedAt: new Date(r.updated_at),
    score: r.rank ?? 0,
    snippets: r.snippet
      ? r.snippet
          .split(FRAGMENT_SEPARATOR)
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
          .slice(0, MAX_SNIPPETS)
          .map((s) => markedToHtml(s.split(LT_STAND_IN).join('<')))
      : [],
  };
}
