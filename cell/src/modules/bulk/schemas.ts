import { z } from '@hono/zod-openapi';

export const BULK_KINDS = ['move', 'trash', 'restore', 'tag', 'export'] as const;
export const BULK_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const BULK_ITEM_STATUSES = ['pending', 'done', 'failed', 'cancelled'] as const;

/** A bulk job as its creator sees it (only they do), also pushed as `bulk.progress`. */
export const bulkJobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(BULK_KINDS),
    status: z
      .enum(BULK_STATUSES)
      .describe('queued → running → done; failed (see result.reason) or cancelled end it early'),
    total: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    params: z
      .object({
        targetFolderId: z
          .string()
          .nullable()
          .optional()
          .describe('move: the destination (null: the top level)'),
        add: z.array(z.string()).optional().describe('tag: tags added to each document'),
        remove: z.array(z.string()).optional().describe('tag: tags removed from each document'),
      })
      .strict()
      .describe('What the kind was given (empty for trash, restore and export)'),
    result: z
      .object({
        phase: z.enum(['writing', 'done']).optional().describe('export: writing the zip, or written'),
        files: z.number().int().optional().describe('export: files in the zip'),
        filesWritten: z.number().int().optional(),
        bytes: z.number().int().optional().describe('export: size of the zip'),
        reason: z.string().optional().describe('Why the job failed'),
      })
      .strict()
      .nullable(),
    hasDownload: z.boolean().describe('An export whose zip can be downloaded (GET …/result)'),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    cancelRequestedAt: z.string().nullable(),
  })
  .strict()
  .openapi('BulkJob');
export type BulkJobView = z.infer<typeof bulkJobSchema>;

export const bulkItemSchema = z
  .object({
    seq: z.number().int(),
    resourceType: z.enum(['folder', 'document']),
    resourceId: z.string(),
    status: z.enum(BULK_ITEM_STATUSES),
    error: z
      .object({ code: z.string(), message: z.string().nullable() })
      .strict()
      .nullable()
      .describe('Why the item failed or was cancelled'),
  })
  .strict()
  .openapi('BulkJobItem');
export type BulkItemView = z.infer<typeof bulkItemSchema>;
