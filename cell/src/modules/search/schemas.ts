import { z } from '@hono/zod-openapi';
import { instantSchema } from '@quire/shared/input/instant';
import { lineSchema, patternString, textSchema } from '@quire/shared/input/text';
import { FACET_SAMPLE_SIZE, FACETS, TOTAL_COUNT_CAP } from '../../adapters/search-index/port.ts';
import { idParam } from '../../http/openapi.ts';
import { COARSE_TYPES } from '../extraction/kinds.ts';
import { folderIdSchema } from '../folders/schemas.ts';
import { SEARCH_LIMITS } from './guard.ts';

/**
 * The search request: a JSON body, never a query string. Search terms, tags and custom-field
 * values are tenant content, and request logs, traces and analytics of the edge provider record
 * URLs, possibly outside the tenant's region.
 */
const tag = lineSchema(64);
const CUSTOM_FIELD_NAME = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
const MAX_CUSTOM_FIELDS = 10;

export const searchBody = z
  .object({
    q: patternString({
      pattern: '^[^\\u0000-\\u001f\\u007f]*$',
      min: 0,
      max: SEARCH_LIMITS.maxQueryLength,
      message: 'no control characters',
    })
      .optional()
      .openapi({
        description: 'Free text: words, "exact phrases", prefix*, -exclude, -"excluded phrase"',
        example: 'budget "annual report" -draft',
      }),
    folderId: folderIdSchema.optional().openapi({ description: 'Only documents in this folder' }),
    includeSubfolders: z
      .boolean()
      .default(true)
      .openapi({ description: 'With folderId: also search its subfolders (default true)' }),
    tags: z.array(tag).max(10).optional().openapi({ description: 'Documents carrying every given tag' }),
    author: idParam('usr', 'Only documents created by this user').optional(),
    types: z
      .array(z.enum(COARSE_TYPES))
      .max(COARSE_TYPES.length)
      .optional()
      .openapi({ description: `Document types: ${COARSE_TYPES.join(', ')}` }),
    updatedFrom: instantSchema.optional().openapi({ description: 'Updated at or after (inclusive)' }),
    updatedTo: instantSchema.optional().openapi({ description: 'Updated before (exclusive)' }),
    customFields: z
      .record(z.string().regex(new RegExp(CUSTOM_FIELD_NAME)), textSchema({ max: 1000 }))
      .refine((r) => Object.keys(r).length <= MAX_CUSTOM_FIELDS, `at most ${MAX_CUSTOM_FIELDS} custom fields`)
      .meta({ propertyNames: { pattern: CUSTOM_FIELD_NAME }, maxProperties: MAX_CUSTOM_FIELDS })
      .optional()
      .openapi({ description: 'Custom field equalities, e.g. { "client": "Acme" }' }),
    facets: z
      .array(z.enum(FACETS))
      .max(FACETS.length)
      .optional()
      .openapi({ description: `Facets to count: ${FACETS.join(', ')}` }),
    sort: z
      .enum(['relevance', 'date', 'title'])
      .optional()
      .openapi({ description: 'relevance (default with text), date (newest first; default without), title' }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(SEARCH_LIMITS.maxPageSize)
      .default(20)
      .openapi({ description: `Results per page (1-${SEARCH_LIMITS.maxPageSize})` }),
    cursor: z.string().max(4096).optional().openapi({ description: 'nextCursor of the previous page' }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.updatedFrom && v.updatedTo && v.updatedFrom >= v.updatedTo)
      ctx.addIssue({ code: 'custom', path: ['updatedTo'], message: 'must be after updatedFrom' });
    if (v.includeSubfolders === false && !v.folderId)
      ctx.addIssue({ code: 'custom', path: ['includeSubfolders'], message: 'needs folderId' });
  })
  .openapi('SearchRequest');

export type SearchInput = z.infer<typeof searchBody>;

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
