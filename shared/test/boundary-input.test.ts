import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { idSchema, tenantIdSchema } from '../src/input/ids.ts';
import { instantSchema, MAX_INSTANT, MIN_INSTANT } from '../src/input/instant.ts';
import { emailSchema, lineSchema, textSchema } from '../src/input/text.ts';
import { tenantSecretSchema } from '../src/tenant-secrets.ts';

/**
 * The boundary's schemas say in the OpenAPI document exactly what they check: for each sample,
 * the documented `pattern` and code-point lengths accept it if and only if the check does.
 */
type Meta = { pattern?: string; minLength?: number; maxLength?: number };

function documented(schema: z.ZodType, value: string): boolean {
  const meta = (schema.meta() ?? {}) as Meta;
  const length = [...value].length;
  if (meta.minLength !== undefined && length < meta.minLength) return false;
  if (meta.maxLength !== undefined && length > meta.maxLength) return false;
  return meta.pattern === undefined || new RegExp(meta.pattern, 'u').test(value);
}

const texts = [
  '',
  ' ',
  'a',
  '  padded  ',
  'a\u0000b',
  '\u0000',
  '\t',
  'two\nlines',
  'bell\u0007',
  'del\u007f',
  '\u00a0\u3000\ufeff',
  'é',
  '🌰'.repeat(10),
  '🌰'.repeat(11),
  'a'.repeat(11),
  '\ud800',
];

describe('text at the boundary', () => {
  it.each([
    ['one line of 1-10', lineSchema(10)],
    ['free text of 0-5', textSchema({ max: 5 })],
    ['free text of 2-5', textSchema({ min: 2, max: 5 })],
  ])('%s: the document and the check agree on every sample', (_, schema) => {
    for (const value of texts)
      expect(schema.safeParse(value).success, JSON.stringify(value)).toBe(documented(schema, value));
  });

  it('never lets NUL through, and trims one-line text after checking it', () => {
    expect(lineSchema(10).safeParse('a\u0000').success).toBe(false);
    expect(textSchema({ max: 10 }).safeParse('a\u0000').success).toBe(false);
    expect(lineSchema(20).parse('  Contracts  ')).toBe('Contracts');
    expect(lineSchema(10).safeParse('\u00a0\u3000').success).toBe(false);
  });

  it('email: the pattern, the length and the limits of the format (local part ≤ 64, labels ≤ 63)', () => {
    expect(emailSchema.safeParse('ada@example.com').success).toBe(true);
    for (const bad of [
      'a!b@x.org',
      `${'a'.repeat(65)}@x.org`,
      `a@${'b'.repeat(64)}.org`,
      'a@b-.org',
      'a\u0000@x.org',
    ])
      expect(emailSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe('ids and tokens at the boundary', () => {
  it('ids by their prefix and body, tenant ids by the control plane pattern', () => {
    const doc = idSchema('document', 'Document id');
    expect(doc.safeParse('doc_01hzy3k5m8q2w4e6r8t0y2u4i').success).toBe(true);
    for (const bad of [
      'fld_01hzy3k5m8q2w4e6r8t0y2u4i',
      'doc_01hzy3k5m8q2w4e6r8t0y2u4i\u0000',
      'doc_x',
      'None',
    ])
      expect(doc.safeParse(bad).success, bad).toBe(false);
    expect(tenantIdSchema.safeParse('ten_acme').success).toBe(true);
    expect(tenantIdSchema.safeParse('ten_ac\u0000me').success).toBe(false);
  });

  it("each schema's documented example passes the schema itself", () => {
    for (const schema of [
      idSchema('folder', 'Folder id'),
      tenantIdSchema,
      tenantSecretSchema,
      instantSchema,
      emailSchema,
    ]) {
      const { example } = schema.meta() as { example: string };
      expect(schema.safeParse(example).success, example).toBe(true);
    }
  });

  it('refresh and invitation tokens: <tenant id>.<43 base64url characters>, nothing else', () => {
    const body = 'Z'.repeat(43);
    expect(tenantSecretSchema.safeParse(`ten_acme.${body}`).success).toBe(true);
    for (const bad of [
      `ten_ac\u0000me.${body}`,
      `ten_acme.${body}\u0000`,
      `ten_acme.${body}x`,
      `acme.${body}`,
      `ten_acme${body}`,
    ])
      expect(tenantSecretSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('instants at the boundary', () => {
  it('an RFC 3339 date-time with offset on a real day, years 0001-9999', () => {
    for (const ok of ['2026-01-31T12:00:00Z', '2024-02-29T00:00:00.123456789+05:30', '0001-06-01T00:00:00Z'])
      expect(instantSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of [
      '0000-01-01T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '10000-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z\u0000',
    ])
      expect(instantSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('becomes a UTC ISO string inside the range Postgres holds, clamped where an offset crosses its edge', () => {
    expect(instantSchema.parse('2026-01-31T12:00:00+02:00')).toBe('2026-01-31T10:00:00.000Z');
    expect(instantSchema.parse('0001-01-01T00:00:00+14:00')).toBe(MIN_INSTANT.toISOString());
    expect(instantSchema.parse('9999-12-31T23:59:59-14:00')).toBe(MAX_INSTANT.toISOString());
    expect(instantSchema.parse('0637-02-25T00:17:28+19:23')).toBe('0637-02-24T04:54:28.000Z');
  });
});
