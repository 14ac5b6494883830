import type { TextQuery } from '../../adapters/search-index/port.ts';

/**
 * The free-text grammar of GET /v1/search, parsed once for every engine:
 *
 *   budget "annual report" rep* -draft -"first version"
 *
 * words (all must match, stemmed), "phrases" (exact sequence), prefix* (a trailing star),
 * -word and -"phrase" (must not match). A star anywhere but at the end of a word, and a
 * prefix exclusion, are reported as issues for the guard to refuse. Tokens with no letter
 * or digit are dropped; an unclosed quote runs to the end.
 */
export interface ParsedQuery {
  text: TextQuery;
  /** Words with a `*` not at the end (`re*port`, `*port`), or `-word*`: refused by the guard. */
  wildcards: string[];
}

const HAS_WORD = /[\p{L}\p{N}]/u;
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\u3000';

export function parseQuery(input: string): ParsedQuery {
  const text: TextQuery = { terms: [], phrases: [], prefixes: [], excludes: [] };
  const wildcards: string[] = [];
  const push = (list: string[], value: string) => {
    if (!list.includes(value)) list.push(value);
  };
  let i = 0;
  while (i < input.length) {
    if (isSpace(input[i]!)) {
      i++;
      continue;
    }
    let negate = false;
    if (input[i] === '-' && i + 1 < input.length && !isSpace(input[i + 1]!)) {
      negate = true;
      i++;
    } else if (input[i] === '+') {
      i++;
      continue;
    }
    if (input[i] === '"') {
      const end = input.indexOf('"', i + 1);
      const raw = input.slice(i + 1, end === -1 ? input.length : end);
      i = end === -1 ? input.length : end + 1;
      const phrase = raw.split(/\s+/).filter(Boolean).join(' ');
      if (!HAS_WORD.test(phrase)) continue;
      push(negate ? text.excludes : text.phrases, phrase);
      continue;
    }
    let j = i;
    while (j < input.length && !isSpace(input[j]!) && input[j] !== '"') j++;
    const word = input.slice(i, j);
    i = j;
    const stars = /\*+$/.exec(word);
    const stem = stars ? word.slice(0, stars.index) : word;
    if (stem.includes('*') || (stars && negate)) {
      wildcards.push(negate ? `-${word}` : word);
      continue;
    }
    if (!HAS_WORD.test(stem)) continue;
    if (stars) push(text.prefixes, stem);
    else push(negate ? text.excludes : text.terms, stem);
  }
  return { text, wildcards };
}

export function hasText(text: TextQuery): boolean {
  return text.terms.length + text.phrases.length + text.prefixes.length + text.excludes.length > 0;
}
