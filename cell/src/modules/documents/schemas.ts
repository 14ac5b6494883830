import { z } from '@hono/zod-openapi';
import { idParam } from '../../http/openapi.ts';
import { folderIdSchema, nameSchema } from '../folders/schemas.ts';

export const documentIdSchema = idParam('doc', 'Document id');
export const versionIdSchema = idParam('ver', 'Version id');

export const uploadQuery = z
  .object({
    filename: nameSchema.openapi({ description: 'File name (no slashes)', example: 'msa-2026.pdf' }),
    folderId: folderIdSchema.optional().openapi({ description: 'Target folder; omitted for the top level' }),
    title: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .optional()
      .openapi({ description: 'Title; defaults to the file name' }),
  })
  .strict();

export const versionQuery = uploadQuery.pick({ filename: true }).strict();

const tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20), 'no control characters');

export const updateDocumentBody = z
  .object({
    title: z.string().trim().min(1).max(255).optional(),
    tags: z.array(tag).max(50).optional(),
    customFields: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
        z.union([z.string().max(1000), z.number().finite(), z.boolean()]),
      )
      .refine((r) => Object.keys(r).length <= 50, 'at most 50 custom fields')
      .optional(),
    folderId: folderIdSchema
      .nullable()
      .optional()
      .openapi({ description: 'Move to this folder; null for the top level' }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to update')
  .openapi('UpdateDocument');

export const documentSchema = z.record(z.string(), z.unknown()).openapi('Document');
export const uploadResultSchema = z
  .object({ document: documentSchema, version: z.record(z.string(), z.unknown()) })
  .openapi('UploadResult');
