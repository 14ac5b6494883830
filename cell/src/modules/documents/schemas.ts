import { z } from '@hono/zod-openapi';
import { lineSchema, textSchema } from '@quire/shared/input/text';
import { idParam } from '../../http/openapi.ts';
import { abilitiesSchema, folderIdSchema } from '../folders/schemas.ts';

export const documentIdSchema = idParam('doc', 'Document id');
export const versionIdSchema = idParam('ver', 'Version id');

/** Only opaque ids in the URL: the file name and title travel in `Upload-Metadata`. */
export const uploadQuery = z
  .object({
    folderId: folderIdSchema.optional().openapi({ description: 'Target folder; omitted for the top level' }),
  })
  .strict();

const tag = lineSchema(64);
const CUSTOM_FIELD_NAME = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
const MAX_CUSTOM_FIELDS = 50;

export const updateDocumentBody = z
  .object({
    title: lineSchema(255).optional(),
    tags: z.array(tag).max(50).optional(),
    customFields: z
      .record(
        z.string().regex(new RegExp(CUSTOM_FIELD_NAME)),
        z.union([textSchema({ max: 1000 }), z.number(), z.boolean()]),
      )
      .refine((r) => Object.keys(r).length <= MAX_CUSTOM_FIELDS, `at most ${MAX_CUSTOM_FIELDS} custom fields`)
      // The generator shows neither the key rule nor the count: stated here, as the check applies them.
      .meta({ propertyNames: { pattern: CUSTOM_FIELD_NAME }, maxProperties: MAX_CUSTOM_FIELDS })
      .optional(),
    folderId: folderIdSchema
      .nullable()
      .optional()
      .openapi({ description: 'Move to this folder; null for the top level' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
  .openapi('UpdateDocument', { minProperties: 1 });

/** A document as presenter.ts shows it (GET /v1/documents/{id} adds `currentVersion` and `abilities`: DocumentDetail). */
export const documentSchema = z
  .object({
    id: z.string(),
    folderId: z.string().nullable(),
    title: z.string(),
    tags: z.array(z.string()),
    customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    currentVersionId: z.string(),
    versionCount: z.number().int(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    trashedAt: z.string().nullable().openapi({ description: 'Set while the document is in the trash' }),
  })
  .openapi('Document');

/** One version of a document, with where its text extraction stands. */
export const versionSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    restoredFrom: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    extraction: z
      .object({
        status: z
          .enum(['pending', 'done', 'failed', 'unsupported'])
          .describe('Where extracting its text stands'),
        errorCode: z.string().nullable(),
        errorMessage: z.string().nullable(),
        language: z.string().nullable(),
        truncated: z.boolean().describe('Only the first part of a very long text is searchable'),
        preview: z.boolean().describe('A preview image exists (GET …/preview)'),
      })
      .openapi('Extraction'),
  })
  .openapi('Version');

/** GET /v1/documents/{id}: the document, its current version and what the caller may do. */
export const documentDetailSchema = documentSchema
  .extend({ currentVersion: versionSchema, abilities: abilitiesSchema })
  .openapi('DocumentDetail');

export const uploadResultSchema = z
  .object({ document: documentSchema, version: versionSchema })
  .openapi('UploadResult');
