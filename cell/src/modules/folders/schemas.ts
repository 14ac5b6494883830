import { z } from '@hono/zod-openapi';
import { idOfKinds } from '@quire/shared/input/ids';
import { linePattern, patternString, WHITESPACE } from '@quire/shared/input/text';
import { idParam } from '../../http/openapi.ts';

/**
 * Names a person types (folders, file names): one line of visible text, no path separators,
 * not `.` or `..` once trimmed. One pattern says all of it, in the check and in the document.
 */
const NAME_PATTERN = `^(?![${WHITESPACE}]*\\.\\.?[${WHITESPACE}]*$)${linePattern('/\\\\').slice(1)}`;

export const nameSchema = patternString({
  pattern: NAME_PATTERN,
  min: 1,
  max: 255,
  message: 'must be one line of visible text without slashes, and not . or ..',
})
  .trim()
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
  .openapi('UpdateFolder', { minProperties: 1 });

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

/**
 * A page of a listing in id order. The cursor is the last item's id (`nextCursor` of the
 * previous page): its pattern is exact, so no value the document allows is refused.
 */
export function pageQuery(...kinds: Array<'folder' | 'document'>) {
  return z.object({
    cursor: idOfKinds(kinds, 'nextCursor of the previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1-200)' }),
  });
}
