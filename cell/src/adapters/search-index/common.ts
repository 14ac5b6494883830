import { QuireError } from '@quire/shared/errors';
import { type Facet, MAX_RESULT_DEPTH, type SearchResult } from './port.ts';

/**
 * Engine-neutral pieces of the query model that every SearchIndex implementation shares,
 * so the engines agree on what the cases in cell/test/search/cases.ts pin down.
 */

/** Values returned per facet: the most frequent first, ties by value ascending. */
export const FACET_SIZE = 20;

/** Snippet fragments an engine returns at most per hit. */
export const MAX_SNIPPETS = 2;

/**
 * Private-use characters the engines use as highlight markers before HTML-escaping. They are
 * stripped from indexed text (cleanIndexText), so a document cannot forge a <mark>.
 */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';
export const FRAGMENT_SEPARATOR = '\uE002';
/** Stands in for '<' while Postgres' ts_headline runs: its parser would otherwise drop `<…>` as markup. */
export const LT_STAND_IN = '\uE003';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** An engine's marker-delimited highlight → HTML: everything escaped, matches in <mark>. */
export function markedToHtml(text: string): string {
  return escapeHtml(text).split(MARK_OPEN).join('<mark>').split(MARK_CLOSE).join('</mark>');
}

/** Text as it may enter an index: no NUL (Postgres text refuses it), no highlight markers. */
export function cleanIndexText(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0 || (code >= 0xe000 && code <= 0xe003)) {
      out += text.slice(start, i);
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

/** The key titles sort by in every engine: lower-cased, compared by code point. */
/**
 * The text an engine indexes as the body: the extracted text, then the comments, within `max`
 * characters (the extracted text gives way, so comments stay findable on a huge document).
 * Cleaned of highlight markers.
 */
export function indexedBody(d: { body: string; comments: string }, max: number): string {
  const comments = d.comments.length > max ? d.comments.slice(0, max) : d.comments;
  const room = comments ? max - comments.length - 2 : max;
  const body = d.body.length > room ? d.body.slice(0, Math.max(0, room)) : d.body;
  return cleanIndexText(comments ? `${body}\n\n${comments}` : body);
}

export function titleSortKey(title: string): string {
  return title.toLowerCase();
}

/** The UTC year of a date, as the `year` facet reports it. */
export function facetYear(date: Date): string {
  return String(date.getUTCFullYear());
}

/**
 * Languages with their own analysis (stop words, stemming) in both engines: Postgres
 * text-search configurations that OpenSearch ships an analyzer of the same name for, plus
 * `simple` (lower-cased words, nothing else).
 */
export const ANALYZED_LANGUAGES = [
  'simple',
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hindi',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'spanish',
  'swedish',
  'turkish',
] as const;

/**
 * Text-search configurations shipped with PostgreSQL (pg_ts_config) that the extraction
 * helper may report, plus ISO 639-1 codes mapped onto them. Anything else indexes as 'simple'.
 * Postgres also stems the four that OpenSearch has no analyzer for.
 */
const PG_CONFIGS = new Set<string>([...ANALYZED_LANGUAGES, 'nepali', 'serbian', 'tamil', 'yiddish']);
const ISO_TO_CONFIG: Record<string, string> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hi: 'hindi',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  ne: 'nepali',
  nl: 'dutch',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sr: 'serbian',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
  yi: 'yiddish',
};

/** A language hint (a Postgres configuration name or an ISO code) → a configuration name. */
export function textSearchConfig(language: string | null | undefined): string {
  const lang = (language ?? '').trim().toLowerCase();
  if (PG_CONFIGS.has(lang)) return lang;
  return ISO_TO_CONFIG[lang.slice(0, 2)] ?? 'simple';
}

/** A cursor an engine cannot use: a client mistake (400), never a 500. */
export function invalidCursor(): QuireError {
  return new QuireError('validation_failed', 'request is invalid', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);
}

export type SortKey = [string, string];

/**
 * The `after` value of the date and title sorts: date [ISO updatedAt, documentId], title
 * [title sort key, documentId]. Every engine emits and accepts these.
 */
export function parseAfter(sort: 'date' | 'title', after: unknown[] | undefined): SortKey | undefined {
  if (after === undefined) return undefined;
  if (after.length !== 2 || typeof after[1] !== 'string' || after[1].length > 64) throw invalidCursor();
  const [key, id] = after as [unknown, string];
  if (typeof key !== 'string' || key.length > 1024) throw invalidCursor();
  if (sort === 'date' && Number.isNaN(Date.parse(key))) throw invalidCursor();
  return [key, id];
}

/**
 * Relevance pages by offset in every engine (`['offset', n]`), not by sort key: neither engine
 * computes the score of every match to sort on it (OpenSearch skips blocks that cannot reach the
 * top hits; Postgres orders from the RUM index), and ties keep the engine's order, which is stable
 * while the index does not change. The offset is capped at MAX_RESULT_DEPTH, like the guard's depth.
 */
const RELEVANCE_CURSOR = 'offset';

/** The relevance cursor `['offset', n]` → n; a malformed one is a client mistake (validation_failed). */
export function relevanceOffset(after: unknown[] | undefined): number {
  if (after === undefined) return 0;
  const [tag, offset] = after;
  if (after.length !== 2 || tag !== RELEVANCE_CURSOR || !Number.isInteger(offset)) throw invalidCursor();
  if ((offset as number) < 0 || (offset as number) > MAX_RESULT_DEPTH) throw invalidCursor();
  return offset as number;
}

export function relevanceCursor(offset: number): unknown[] {
  return [RELEVANCE_CURSOR, offset];
}

/** The answer when nothing can match (every engine): no hits, an exact 0, each asked facet empty. */
export function emptyResult(facets: Facet[]): SearchResult {
  return {
    hits: [],
    total: 0,
    totalRelation: 'eq',
    facets: Object.fromEntries(facets.map((f) => [f, []])),
    facetsRelation: 'eq',
    next: null,
  };
}
