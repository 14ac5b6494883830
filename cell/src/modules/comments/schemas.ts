import { z } from '@hono/zod-openapi';
import { patternString } from '@quire/shared/input/text';
import { idParam } from '../../http/openapi.ts';

export const commentIdSchema = idParam('cmt', 'Comment id');

/** Control characters other than tab, line feed and carriage return. */
const CONTROL = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f';
export const commentBodyText = patternString({
  // At least one visible character; lines and tabs allowed, other control characters not.
  pattern: `^[^${CONTROL}]*[^\\s${CONTROL}][^${CONTROL}]*$`,
  min: 1,
  max: 10_000,
  message: 'must hold visible text, and no control characters but tabs and line breaks',
})
  .transform((s) => s.trim())
  .openapi({
    description:
      'The text. Mention a user or group of the tenant with `@[usr_…]` / `@[grp_…]`, or a user by email (`@ada@example.com`); the server resolves them',
  });

export const anchorSchema = z
  .object({
    versionId: idParam('ver', 'The version the comment is about').optional(),
    page: z.number().int().min(1).max(100_000).optional().describe('Page number (1-based)'),
    range: z
      .object({ start: z.number().int().min(0), end: z.number().int().min(0) })
      .strict()
      // A selection made backwards (end before start) is the same range.
      .transform((r) => (r.end < r.start ? { start: r.end, end: r.start } : r))
      .optional()
      .describe('Character offsets in the extracted text (either order)'),
    quote: z.string().max(500).optional().describe('The text the range covered, to re-anchor after edits'),
  })
  .strict()
  .openapi('CommentAnchor');

export const createCommentBody = z
  .object({
    body: commentBodyText,
    parentId: commentIdSchema.optional().describe('Reply to this comment (its thread)'),
    // null is no anchor, as a comment answers it.
    anchor: anchorSchema
      .nullable()
      .optional()
      .transform((a) => a ?? undefined),
  })
  .strict()
  .openapi('CreateComment');

export const editCommentBody = z.object({ body: commentBodyText }).strict().openapi('EditComment');

export const mentionSchema = z
  .object({
    type: z.enum(['user', 'group']),
    id: z.string(),
    name: z.string().describe("The user's or group's current name (never an email)"),
  })
  .openapi('Mention');

export const commentSchema = z
  .object({
    id: z.string(),
    documentId: z.string(),
    threadId: z.string(),
    parentId: z.string().nullable(),
    authorId: z.string(),
    authorName: z
      .string()
      .nullable()
      .describe('The author\'s current name ("Deleted user" once they were erased); never an email'),
    body: z.string().nullable().describe('null once deleted'),
    mentions: z.array(mentionSchema),
    anchor: anchorSchema.nullable(),
    revision: z.number(),
    createdAt: z.string(),
    editedAt: z.string().nullable(),
    deletedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    abilities: z.object({ edit: z.boolean(), delete: z.boolean(), resolve: z.boolean() }),
  })
  .openapi('Comment');

export const listCommentsQuery = z.object({
  threadId: commentIdSchema.optional().describe('Only this thread'),
  status: z.enum(['open', 'resolved', 'all']).default('all').describe('Threads by resolution'),
  cursor: commentIdSchema.optional().describe('Cursor: the last id of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
