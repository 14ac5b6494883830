import { z } from '@hono/zod-openapi';

/** A share link as its owners see it (never its token or hash: the token is shown once). */
export const shareLinkSchema = z
  .object({
    id: z.string(),
    resourceType: z.enum(['folder', 'document']),
    resourceId: z.string(),
    status: z.enum(['active', 'revoked', 'expired', 'exhausted']),
    expiresAt: z.string().nullable(),
    hasPassword: z.boolean(),
    maxDownloads: z.number().int().nullable(),
    downloadCount: z.number().int(),
    accessCount: z.number().int(),
    lastAccessAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdBy: z.string(),
    createdByName: z.string().nullable().describe("The creator's current name (never an email)"),
    createdAt: z.string(),
  })
  .strict()
  .openapi('ShareLink');

/** The answer to creating a link: the link with its token, shown this once. */
export const createdShareLinkSchema = shareLinkSchema
  .extend({
    token: z.string().describe('`<tenant id>.<secret>`: shown once, only its hash is kept'),
    path: z.string().describe('The API path that opens the link (`/v1/share/<token>`), for API clients'),
    url: z
      .string()
      .nullable()
      .describe(
        "The web app's page for people: `<origin>/shared#<token>`, the token after `#` (browsers never send it); null when the cell knows no public origin",
      ),
  })
  .strict()
  .openapi('CreatedShareLink');

export const sharedDocumentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    updatedAt: z.string(),
  })
  .strict()
  .openapi('SharedDocument');

const linkFacts = {
  resourceType: z.enum(['folder', 'document']),
  expiresAt: z.string().nullable(),
  downloadsLeft: z.number().int().nullable().describe('null: no download limit'),
};

const sharedFolderItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), id: z.string(), name: z.string() }).strict(),
  sharedDocumentSchema.extend({ kind: z.literal('document') }).strict(),
]);

/** What a link shows to whoever holds it: a password prompt, the document, or a page of the folder. */
export const sharedViewSchema = z
  .union([
    z
      .object({ requiresPassword: z.literal(true).describe('Open it with its password (POST …/open)') })
      .strict(),
    z.object({ ...linkFacts, resourceType: z.literal('document'), document: sharedDocumentSchema }).strict(),
    z
      .object({
        ...linkFacts,
        resourceType: z.literal('folder'),
        folder: z.object({ id: z.string(), name: z.string() }).strict().describe('The shared folder'),
        current: z
          .object({ id: z.string(), name: z.string(), parentId: z.string().nullable() })
          .strict()
          .describe('The folder shown (the shared one or one inside it); parentId null at the top'),
        items: z.array(sharedFolderItem).describe('Subfolders first, then documents'),
        nextCursor: z.string().nullable(),
      })
      .strict(),
  ])
  .openapi('SharedView');

export type ShareLinkView = z.infer<typeof shareLinkSchema>;
export type SharedView = z.infer<typeof sharedViewSchema>;
export type SharedDocument = z.infer<typeof sharedDocumentSchema>;
export type SharedFolderItem = z.infer<typeof sharedFolderItem>;
