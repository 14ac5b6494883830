import { z } from '@hono/zod-openapi';
import { idParam } from '../../http/openapi.ts';

/** Names a person types: no path separators, no control characters, no dot-only names. */
/** C0 controls and DEL. */
const isControl = (ch: string) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f;

export const nameSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine(
    (s) => !/[/\\]/.test(s) && ![...s].some(isControl),
    'must not contain slashes or control characters',
  )
  .refine((s) => s !== '.' && s !== '..', 'must not be . or ..')
  .openapi({ description: 'Display name (1-255 characters, no slashes)', example: 'Contracts' });

export const folderIdSchema = idParam('fld', 'Folder id');

export const createFolderBody = z
  .object({
    name: nameSchema,
    parentId: folderIdSchema
      .nullable()
      .optional()
      .openapi({ description: 'Parent folder; omitted or null for the top level' }),
  })
  .strict()
  .openapi('CreateFolder');

export const updateFolderBody = z
  .object({
    name: nameSchema.optional(),
    parentId: folderIdSchema
      .nullable()
      .optional()
      .openapi({ description: 'Move under this folder; null moves to the top level' }),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.parentId !== undefined, 'give a name or a parentId')
  .openapi('UpdateFolder');

export const abilitiesSchema = z
  .object({ read: z.boolean(), write: z.boolean(), manage: z.boolean() })
  .openapi('Abilities', { description: 'What the caller may do with this resource' });

export const folderSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    parentId: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    trashedAt: z.string().nullable().describe('In the trash since (with its whole subtree)'),
  })
  .openapi('Folder');

export const folderDetailSchema = folderSchema
  .extend({
    breadcrumbs: z
      .array(z.object({ id: z.string(), name: z.string() }))
      .openapi({ description: 'Ancestors from the top level down' }),
    abilities: abilitiesSchema,
  })
  .openapi('FolderDetail');

export const pageQuery = z.object({
  cursor: z.string().max(512).optional().openapi({ description: 'Opaque cursor from the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1-200)' }),
});
