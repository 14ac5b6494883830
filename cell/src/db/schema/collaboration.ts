import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/** Tables of migration 0010 (collaboration and sharing). RLS like every tenant table. */

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Where a comment points inside the document: a version, a page, a text range. */
export interface CommentAnchor {
  versionId?: string;
  page?: number;
  range?: { start: number; end: number };
  quote?: string;
}

export const comments = pgTable(
  'comments',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    documentId: text('document_id').notNull(),
    /** The thread's root comment (its own id for a root). */
    threadId: text('thread_id').notNull(),
    parentId: text('parent_id'),
    authorId: text('author_id').notNull(),
    body: text('body').notNull(),
    anchor: jsonb('anchor').$type<CommentAnchor | null>(),
    revision: integer('revision').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    deletedBy: text('deleted_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    primaryKey({ name: 'comments_pk', columns: [t.tenantId, t.id] }),
    index('comments_document_idx').on(t.tenantId, t.documentId, t.id),
    index('comments_thread_idx').on(t.tenantId, t.threadId, t.id),
  ],
);

export const commentRevisions = pgTable(
  'comment_revisions',
  {
    tenantId: text('tenant_id').notNull(),
    commentId: text('comment_id').notNull(),
    revision: integer('revision').notNull(),
    body: text('body').notNull(),
    editedBy: text('edited_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'comment_revisions_pk', columns: [t.tenantId, t.commentId, t.revision] })],
);

export const commentMentions = pgTable(
  'comment_mentions',
  {
    tenantId: text('tenant_id').notNull(),
    commentId: text('comment_id').notNull(),
    principalType: text('principal_type').$type<'user' | 'group'>().notNull(),
    principalId: text('principal_id').notNull(),
  },
  (t) => [primaryKey({ name: 'comment_mentions_pk', columns: [t.tenantId, t.commentId, t.principalId] })],
);

export const notifications = pgTable(
  'notifications',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind').notNull(),
    actorId: text('actor_id'),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
    inApp: boolean('in_app').notNull().default(true),
    emailState: text('email_state')
      .$type<'none' | 'pending' | 'sent' | 'skipped'>()
      .notNull()
      .default('none'),
    emailDueAt: timestamp('email_due_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'notifications_pk', columns: [t.tenantId, t.id] }),
    index('notifications_user_idx').on(t.tenantId, t.userId, t.id),
  ],
);

export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind').notNull(),
    inApp: boolean('in_app').notNull().default(true),
    email: text('email').$type<'off' | 'instant' | 'digest'>().notNull().default('off'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'notification_preferences_pk', columns: [t.tenantId, t.userId, t.kind] })],
);

export const shareLinks = pgTable(
  'share_links',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    resourceType: text('resource_type').$type<'folder' | 'document'>().notNull(),
    resourceId: text('resource_id').notNull(),
    tokenHash: bytea('token_hash').notNull(),
    passwordHash: text('password_hash'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    maxDownloads: integer('max_downloads'),
    downloadCount: integer('download_count').notNull().default(0),
    accessCount: integer('access_count').notNull().default(0),
    lastAccessAt: timestamp('last_access_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'share_links_pk', columns: [t.tenantId, t.id] })],
);

export const accessRequests = pgTable(
  'access_requests',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    resourceType: text('resource_type').$type<'folder' | 'document'>().notNull(),
    resourceId: text('resource_id').notNull(),
    requesterId: text('requester_id').notNull(),
    role: text('role').$type<'viewer' | 'editor'>().notNull(),
    message: text('message'),
    status: text('status').$type<'pending' | 'granted' | 'declined'>().notNull().default('pending'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'access_requests_pk', columns: [t.tenantId, t.id] })],
);

export type BulkKind = 'move' | 'trash' | 'restore' | 'tag' | 'export';
export type BulkStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export const bulkJobs = pgTable(
  'bulk_jobs',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').$type<BulkKind>().notNull(),
    createdBy: text('created_by').notNull(),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').$type<BulkStatus>().notNull().default('queued'),
    total: integer('total').notNull(),
    doneCount: integer('done_count').notNull().default(0),
    failedCount: integer('failed_count').notNull().default(0),
    result: jsonb('result').$type<Record<string, unknown> | null>(),
    resultBlobKey: text('result_blob_key'),
    resultWrappedKey: bytea('result_wrapped_key'),
    resultKeyRef: text('result_key_ref'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [primaryKey({ name: 'bulk_jobs_pk', columns: [t.tenantId, t.id] })],
);

export const bulkJobItems = pgTable(
  'bulk_job_items',
  {
    tenantId: text('tenant_id').notNull(),
    jobId: text('job_id').notNull(),
    seq: integer('seq').notNull(),
    resourceType: text('resource_type').$type<'folder' | 'document'>().notNull(),
    resourceId: text('resource_id').notNull(),
    status: text('status').$type<'pending' | 'done' | 'failed' | 'cancelled'>().notNull().default('pending'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
  },
  (t) => [primaryKey({ name: 'bulk_job_items_pk', columns: [t.tenantId, t.jobId, t.seq] })],
);

export const webhooks = pgTable(
  'webhooks',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    secretCiphertext: bytea('secret_ciphertext').notNull(),
    secretWrappedKey: bytea('secret_wrapped_key').notNull(),
    secretKeyRef: text('secret_key_ref').notNull(),
    active: boolean('active').notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'webhooks_pk', columns: [t.tenantId, t.id] })],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    webhookId: text('webhook_id').notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ name: 'webhook_deliveries_pk', columns: [t.tenantId, t.id] })],
);
