import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const documents = pgTable(
  'documents',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    folderId: text('folder_id'),
    title: text('title').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    customFields: jsonb('custom_fields')
      .$type<Record<string, string | number | boolean>>()
      .notNull()
      .default({}),
    currentVersionId: text('current_version_id').notNull(),
    versionCount: integer('version_count').notNull().default(1),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    trashedAt: timestamp('trashed_at', { withTimezone: true }),
    trashedBy: text('trashed_by'),
    /** The folder this document went to the trash with (null: trashed on its own). */
    trashedWith: text('trashed_with'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('documents_folder_idx').on(t.tenantId, t.folderId, t.id),
    index('documents_trash_idx').on(t.tenantId, t.trashedAt).where(sql`${t.trashedAt} is not null`),
  ],
);

/** Immutable once written: a rollback makes a new version pointing at an old one's content. */
export const documentVersions = pgTable(
  'document_versions',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    documentId: text('document_id').notNull(),
    number: integer('number').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    blobKey: text('blob_key').notNull(),
    wrappedKey: bytea('wrapped_key').notNull(),
    keyRef: text('key_ref').notNull(),
    restoredFrom: text('restored_from'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('document_versions_number_uq').on(t.tenantId, t.documentId, t.number),
  ],
);

/** A retried upload with the same key returns the first result instead of a duplicate. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    response: jsonb('response').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId, t.key] }),
    index('idempotency_keys_created_idx').on(t.tenantId, t.createdAt),
  ],
);
