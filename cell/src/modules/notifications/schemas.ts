import { z } from '@hono/zod-openapi';
import { GRANT_ROLES } from '@quire/shared/tenancy';
import type { NotificationKind } from './kinds.ts';

/**
 * What each kind of notification carries in `data`: ids, a title, a short excerpt, never anything
 * the recipient may not read. One schema per kind, so the document (and the web app's generated
 * client) says exactly what a notification holds; the senders are typed by them (`notify.ts`).
 */
const commentData = z
  .object({
    documentId: z.string(),
    documentTitle: z.string(),
    commentId: z.string(),
    threadId: z.string(),
    excerpt: z.string().describe('The comment as plain text, mentions as names, at most 160 characters'),
  })
  .strict();

const shareData = z
  .object({ role: z.enum(GRANT_ROLES).describe('The role given'), title: z.string() })
  .strict();

const accessRequestData = z
  .object({
    requestId: z.string(),
    title: z.string(),
    role: z.enum(['viewer', 'editor']).describe('The role asked for'),
    message: z.string().describe("The requester's note, at most 200 characters (empty: none)"),
  })
  .strict();

const accessDecidedData = z
  .object({
    requestId: z.string(),
    resourceType: z.enum(['folder', 'document']),
    resourceId: z.string(),
    decision: z.enum(['granted', 'declined']),
    role: z.enum(['viewer', 'editor']),
    title: z.string().optional().describe('Only when granted: the requester may read it now'),
  })
  .strict();

const bulkData = z
  .object({
    jobId: z.string(),
    kind: z.enum(['move', 'trash', 'restore', 'tag', 'export']),
    status: z.enum(['done', 'failed', 'cancelled']),
    done: z.number().int(),
    failed: z.number().int(),
    total: z.number().int(),
  })
  .strict();

const holdBlockedData = z
  .object({
    kind: z
      .enum(['document.trash', 'document.delete', 'folder.trash', 'bulk.item', 'retention.item', 'erasure'])
      .describe('What a legal hold stopped'),
    targetId: z.string(),
    holdIds: z.array(z.string()),
    queued: z.boolean().describe('It runs once the holds are released'),
  })
  .strict();

export const notificationData = {
  mention: commentData,
  reply: commentData,
  share: shareData,
  access_request: accessRequestData,
  access_decided: accessDecidedData,
  bulk_done: bulkData,
  export_ready: bulkData,
  hold_blocked: holdBlockedData,
} as const satisfies Record<NotificationKind, z.ZodType>;
export type NotificationData = {
  [K in keyof typeof notificationData]: z.infer<(typeof notificationData)[K]>;
};

const RESOURCE_TYPES = ['document', 'folder', 'comment', 'access_request', 'bulk_job'] as const;
export type NotificationResourceType = (typeof RESOURCE_TYPES)[number];

const common = {
  id: z.string(),
  actorId: z.string().nullable().describe('Who caused it (null: the system)'),
  actorName: z
    .string()
    .nullable()
    .describe("The actor's current name (never an email); null without an actor"),
  resourceType: z.enum(RESOURCE_TYPES).nullable(),
  resourceId: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
};

const ofKind = <K extends keyof typeof notificationData>(kind: K) =>
  z.object({ ...common, kind: z.literal(kind), data: notificationData[kind] }).strict();

export const notificationSchema = z
  .discriminatedUnion('kind', [
    ofKind('mention'),
    ofKind('reply'),
    ofKind('share'),
    ofKind('access_request'),
    ofKind('access_decided'),
    ofKind('bulk_done'),
    ofKind('export_ready'),
    ofKind('hold_blocked'),
  ])
  .openapi('Notification');
export type PresentedNotification = z.infer<typeof notificationSchema>;
