import { z } from '@hono/zod-openapi';
import { FACET_SAMPLE_SIZE, FACETS, TOTAL_COUNT_CAP } from '../../adapters/search-index/port.ts';
import { idParam } from '../../http/openapi.ts';
import { COARSE_TYPES } from '../extraction/kinds.ts';
import { folderIdSchema } from '../folders/schemas.ts';
import { SEARCH_LIMITS } from './guard.ts';

const isControl = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

/** A query parameter that may repeat (`tag=a&tag=b`): always an array after parsing. */
function repeated<T extends z.ZodType>(item: T, max: number) {
  return z
    .union([item, z.array(item).max(max, `at most ${max} values`)])
    .transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

const tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((s) => !isControl(s), 'no control characters');

const instant = z
  .string()
  .refine(
    (s) =>
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
    'must be a date (2026-01-31) or a date-time with offset (2026-01-31T12:00:00Z)',
  )
  .transform((s) => new Date(s));

const CUSTOM_KEY = /^cf\.[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The named parameters; any other key must be a custom field filter (cf.<name>). */
const searchQueryShape = {
  q: 1,
  folderId: 1,
  includeSubfolders: 1,
  tag: 1,
  author: 1,
  type: 1,
  updatedFrom: 1,
  updatedTo: 1,
  facets: 1,
  sort: 1,
  limit: 1,
  cursor: 1,
};

export const searchQuery = z
  .object({
    q: z
      .string()
      .max(SEARCH_LIMITS.maxQueryLength)
      .refine((s) => !isControl(s), 'no control characters')
      .optional()
      .openapi({
        description: 'Free text: words, "exact phrases", prefix*, -exclude, -"excluded phrase"',
        example: 'budget "annual report" -draft',
      }),
    folderId: folderIdSchema.optional().openapi({ description: 'Only documents in this folder' }),
    includeSubfolders: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true')
      .openapi({ description: 'With folderId: also search its subfolders (default true)' }),
    tag: repeated(tag, 10)
      .optional()
      .openapi({ description: 'Documents carrying every given tag (repeatable)' }),
    author: idParam('usr', 'Only documents created by this user').optional(),
    type: repeated(z.enum(COARSE_TYPES), COARSE_TYPES.length)
      .optional()
      .openapi({ description: `Document types (repeatable): ${COARSE_TYPES.join(', ')}` }),
    updatedFrom: instant.optional().openapi({ description: 'Updated at or after (inclusive)' }),
    updatedTo: instant.optional().openapi({ description: 'Updated before (exclusive)' }),
    facets: z
      .string()
      .max(100)
      .transform((s) => [
        ...new Set(
          s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(z.array(z.enum(FACETS)))
      .optional()
      .openapi({ description: `Facets to count, comma-separated: ${FACETS.join(',')}` }),
    sort: z
      .enum(['relevance', 'date', 'title'])
      .optional()
      .openapi({ description: 'relevance (default with text), date (newest first; default without), title' }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(SEARCH_LIMITS.maxPageSize)
      .default(20)
      .openapi({ description: `Results per page (1-${SEARCH_LIMITS.maxPageSize})` }),
    cursor: z.string().max(4096).optional().openapi({ description: 'nextCursor of the previous page' }),
  })
  .catchall(z.union([z.string().max(1000), z.array(z.string().max(1000)).max(1)]))
  .superRefine((v, ctx) => {
    const custom = Object.keys(v).filter((k) => !(k in searchQueryShape));
    for (const key of custom) {
      if (!CUSTOM_KEY.test(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'unknown parameter (custom fields are cf.<name>)',
        });
    }
    if (custom.length > 10)
      ctx.addIssue({ code: 'custom', path: ['cf'], message: 'at most 10 custom fields' });
    if (v.updatedFrom && v.updatedTo && v.updatedFrom >= v.updatedTo)
      ctx.addIssue({ code: 'custom', path: ['updatedTo'], message: 'must be after updatedFrom' });
    if (v.includeSubfolders === false && !v.folderId)
      ctx.addIssue({ code: 'custom', path: ['includeSubfolders'], message: 'needs folderId' });
  })
  .openapi('SearchQuery');

export type SearchInput = z.infer<typeof searchQuery>;

/** `cf.<name>=value` parameters → { name: value }. */
export function customFieldsOf(input: SearchInput): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    if (!(k in searchQueryShape) && CUSTOM_KEY.test(k))
      out[k.slice(3)] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const facetValues = z.array(z.object({ value: z.string(), count: z.number().int() }));

export const searchResultSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        versionId: z.string(),
        title: z.string(),
        filename: z.string(),
        folderId: z.string().nullable(),
        authorId: z.string(),
        type: z.string(),
        tags: z.array(z.string()),
        updatedAt: z.string(),
        score: z.number(),
        snippets: z.array(z.string()).openapi({ description: 'HTML: matches in <mark>, the rest escaped' }),
      }),
    ),
    total: z
      .number()
      .int()
      .openapi({
        description: `Matching documents the caller may read: exact up to ${TOTAL_COUNT_CAP.toLocaleString('en-US')}, then that number (see totalRelation)`,
      }),
    totalRelation: z.enum(['eq', 'gte']).openapi({
      description: `eq: total is exact; gte: there are at least total matches (shown as "${TOTAL_COUNT_CAP.toLocaleString('en-US')}+")`,
    }),
    facets: z.object({
      tags: facetValues.optional(),
      author: facetValues.optional(),
      type: facetValues.optional(),
      year: facetValues.optional(),
    }),
    facetsRelation: z.enum(['eq', 'sample']).openapi({
      description: `eq: facets count every match; sample: there are more than ${FACET_SAMPLE_SIZE.toLocaleString('en-US')} matches and facets count ${FACET_SAMPLE_SIZE.toLocaleString('en-US')} of them (the first the engine finds)`,
    }),
    nextCursor: z.string().nullable(),
  })
  .openapi('SearchResult');
