import { z } from 'zod';

/**
 * Text that crosses the boundary (bodies, queries, headers, path parameters), validated once
 * here so nothing reaches the database that Postgres refuses: `text` columns cannot hold NUL
 * (an unvalidated NUL was a 500). Each builder also states its rule in the OpenAPI document
 * as one `pattern` plus lengths, so the document is exactly as strict as the check (the
 * generator keeps only one pattern per string, and a refinement would not show at all).
 *
 * Lengths count code points, as JSON Schema's `minLength`/`maxLength` do (zod's own `.max()`
 * counts UTF-16 units, which would refuse 200 emoji that the document allows).
 */

/** C0 controls and DEL, as the inside of a regex character class. */
const CONTROLS = '\\u0000-\\u001f\\u007f';
/**
 * What `String.prototype.trim()` removes besides controls, spelled out because `\s` differs
 * between the JavaScript, Python and Rust regex engines that read these patterns.
 */
export const WHITESPACE = '\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** Anything but NUL. */
export const TEXT_PATTERN = '^[^\\u0000]*$';

/**
 * One line (no control character) with at least one visible character, none of `forbidden`
 * (regex class syntax, e.g. `/\\\\`): what is left after trimming is never empty.
 */
export function linePattern(forbidden = ''): string {
  const line = `[^${CONTROLS}${forbidden}]`;
  const solid = `[^${CONTROLS}${WHITESPACE}${forbidden}]`;
  return `^${line}*${solid}${line}*$`;
}

const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A string of `min`-`max` code points matching `pattern`; the document shows exactly that. */
export function patternString(o: { pattern: string; min: number; max: number; message: string }) {
  const re = new RegExp(o.pattern, 'u');
  return z
    .string()
    .refine((s) => {
      const n = codePoints(s);
      return n >= o.min && n <= o.max;
    }, `must be ${o.min}-${o.max} characters`)
    .refine((s) => re.test(s), o.message)
    .meta({ minLength: o.min, maxLength: o.max, pattern: o.pattern });
}

/**
 * A name, title or tag: one line, at least one visible character, at most `max` characters
 * as sent (surrounding white space is trimmed after the checks).
 */
export function lineSchema(max: number) {
  return patternString({
    pattern: linePattern(),
    min: 1,
    max,
    message: 'must be one line of visible text (no control characters)',
  }).trim();
}

/** Free text of `min`-`max` characters with no NUL (kept exactly as sent). */
export function textSchema(o: { min?: number; max: number }) {
  return patternString({
    pattern: TEXT_PATTERN,
    min: o.min ?? 0,
    max: o.max,
    message: 'must not contain NUL characters',
  });
}

/**
 * The limits RFC 5321 puts on an address, which the `email` format carries and zod's rule does
 * not: a local part of at most 64 characters, domain labels of at most 63 that do not end in `-`.
 */
function withinMailLimits(address: string): boolean {
  const at = address.lastIndexOf('@');
  const labels = address.slice(at + 1).split('.');
  return at <= 64 && labels.every((l) => l.length <= 63 && !l.endsWith('-'));
}

/**
 * An email address: zod's rule (spelled into the document as the `pattern`, since the `email`
 * format alone admits addresses like `a!b@x.org` that it refuses) within the limits the format
 * carries. The document's `format` + `pattern` and this check accept the same addresses.
 */
export const emailSchema = z
  .email()
  .max(254)
  .refine(withinMailLimits, 'local part of at most 64 characters, domain labels of at most 63')
  .meta({ maxLength: 254, pattern: z.regexes.email.source, example: 'ada@example.com' });
