import { z } from '@hono/zod-openapi';

/** A request for access, as the owners who may decide on it see it. */
export const accessRequestSchema = z
  .object({
    id: z.string(),
    resourceType: z.enum(['folder', 'document']),
    resourceId: z.string(),
    title: z.string().describe("The folder's name or the document's title"),
    requesterId: z.string(),
    requesterName: z.string().nullable().describe("The requester's current name (never an email)"),
    role: z.enum(['viewer', 'editor']).describe('The role asked for'),
    message: z.string().nullable(),
    status: z.enum(['pending', 'granted', 'declined']),
    decidedBy: z.string().nullable(),
    decidedByName: z.string().nullable().describe('Who decided: their current name'),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .strict()
  .openapi('AccessRequest');
export type AccessRequestView = z.infer<typeof accessRequestSchema>;
