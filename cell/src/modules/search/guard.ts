import { QueryTooCostly } from '@quire/shared/errors';
import { MAX_RESULT_DEPTH } from '../../adapters/search-index/port.ts';
import type { ParsedQuery } from './query-parser.ts';

/**
 * The query guard: what a search may cost before it reaches an engine. Refusals are 4xx
 * with a message saying what to change; nothing here is a server error.
 */
export const SEARCH_LIMITS = {
  /** Characters of `q` (validated at the boundary). */
  maxQueryLength: 500,
  /** Words + phrases + prefixes + exclusions. */
  maxClauses: 16,
  /** Prefix clauses: each expands to every indexed word that starts with it. */
  maxPrefixes: 4,
  /** `co*` would expand to a large part of the vocabulary. */
  minPrefixLength: 3,
  maxPhraseWords: 12,
  /** Hits per page (validated at the boundary). */
  maxPageSize: 100,
  /** Results a cursor may have paged past: deeper means "narrow the query". */
  maxDepth: MAX_RESULT_DEPTH,
} as const;

export function guardQuery(parsed: ParsedQuery, page: { limit: number; depth: number }): void {
  const { terms, phrases, prefixes, excludes } = parsed.text;
  if (parsed.wildcards.length > 0) {
    throw new QueryTooCostly(
      'wildcards are only supported at the end of a word (prefix*), not in exclusions',
      {
        reason: 'wildcard_inside_word',
        words: parsed.wildcards.slice(0, 5),
      },
    );
  }
  const clauses = terms.length + phrases.length + prefixes.length + excludes.length;
  if (clauses > SEARCH_LIMITS.maxClauses) {
    throw new QueryTooCostly(
      `a query may have at most ${SEARCH_LIMITS.maxClauses} words, phrases and exclusions`,
      {
        reason: 'too_many_terms',
        clauses,
      },
    );
  }
  const short = prefixes.filter((p) => [...p].length < SEARCH_LIMITS.minPrefixLength);
  if (short.length > 0) {
    throw new QueryTooCostly(
      `a prefix search needs at least ${SEARCH_LIMITS.minPrefixLength} characters before *`,
      {
        reason: 'prefix_too_short',
        prefixes: short.slice(0, 5),
      },
    );
  }
  if (prefixes.length > SEARCH_LIMITS.maxPrefixes) {
    throw new QueryTooCostly(`a query may have at most ${SEARCH_LIMITS.maxPrefixes} prefix searches`, {
      reason: 'too_many_prefixes',
    });
  }
  const longPhrase = [...phrases, ...excludes].find(
    (p) => p.split(' ').length > SEARCH_LIMITS.maxPhraseWords,
  );
  if (longPhrase) {
    throw new QueryTooCostly(`a phrase may have at most ${SEARCH_LIMITS.maxPhraseWords} words`, {
      reason: 'phrase_too_long',
    });
  }
  if (page.limit > SEARCH_LIMITS.maxPageSize) {
    throw new QueryTooCostly(`a page may have at most ${SEARCH_LIMITS.maxPageSize} results`, {
      reason: 'page_too_large',
    });
  }
  if (page.depth >= SEARCH_LIMITS.maxDepth) {
    throw new QueryTooCostly(
      `results past the first ${SEARCH_LIMITS.maxDepth} are not paged; narrow the query or add filters`,
      { reason: 'cursor_too_deep' },
    );
  }
}
