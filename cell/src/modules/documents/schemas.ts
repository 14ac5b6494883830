import { z } from '@hono/zod-openapi';
import { lineSchema, textSchema } from '@quire/shared/input/text';
import { idParam } from '../../http/openapi.ts';
import { folderIdSchema, nameSchema } from '../folders/schemas.ts';

export const documentIdSchema = idParam('doc', 'Document id');
export const versionIdSchema = idParam('ver', 'Version id');

export const uploadQuery = z
  .object({
    filename: nameSchema.openapi({ description: 'File name (no slashes)', example: 'msa-2026.pdf' }),
    folderId: folderIdSchema.optional().openapi({ description: 'Target folder; omitted for the top level' }),
    title: lineSchema(255).optional().openapi({ description: 'Title; defaults to the file name' }),
  })
  .strict();

export const versionQuery = uploadQuery.pick({ filename: true }).strict();

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

export const documentSchema = z.record(z.string(), z.unknown()).openapi('Document');
export const uploadResultSchema = z
  .object({ document: documentSchema, version: z.record(z.string(), z.unknown()) })
  .openapi('UploadResult');
