import { sql } from 'drizzle-orm';
import {
  bigint,
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

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * The search outbox: one row per document whose index entry may be stale, or per folder
 * whose subtree moved (the worker expands it into document rows). Written in the same
 * transaction as the change; the worker deletes a row only after the index reflects the
 * current state of Postgres. RLS like every tenant table.
 */
export const searchOutbox = pgTable(
  'search_outbox',
  {
    tenantId: text('tenant_id').notNull(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    kind: text('kind').$type<'document' | 'folder'>().notNull(),
    resourceId: text('resource_id').notNull(),
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull().default(0),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('search_outbox_claim_idx').on(t.tenantId, t.availableAt, t.id),
  ],
);

/**
 * The only cross-tenant table: which tenants have outbox rows (`pending`), so the worker
 * can find them without reading tenant data. Maintained by a trigger on search_outbox;
 * `seq` lets the worker clear `pending` without losing a concurrent insert.
 */
export const searchOutboxTenants = pgTable('search_outbox_tenants', {
  tenantId: text('tenant_id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  pending: boolean('pending').notNull().default(true),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * What the pipeline derived from a version's content (extracted text, preview), keyed by the
 * version whose blob it came from: a restored version shares its source's blob and derivatives.
 * Versions stay immutable; this row changes as the pipeline runs.
 */
export const versionDerivatives = pgTable(
  'version_derivatives',
  {
    tenantId: text('tenant_id').notNull(),
    versionId: text('version_id').notNull(),
    documentId: text('document_id').notNull(),
    textStatus: text('text_status').$type<'pending' | 'done' | 'failed' | 'unsupported'>().notNull(),
    textErrorCode: text('text_error_code'),
    textErrorMessage: text('text_error_message'),
    textBlobKey: text('text_blob_key'),
    textWrappedKey: bytea('text_wrapped_key'),
    textKeyRef: text('text_key_ref'),
    textBytes: integer('text_bytes'),
    textTruncated: boolean('text_truncated').notNull().default(false),
    language: text('language'),
    previewStatus: text('preview_status').$type<'pending' | 'done' | 'none' | 'failed'>(),
    previewBlobKey: text('preview_blob_key'),
    previewWrappedKey: bytea('preview_wrapped_key'),
    previewKeyRef: text('preview_key_ref'),
    previewWidth: integer('preview_width'),
    previewHeight: integer('preview_height'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.versionId] })],
);

/** The Postgres engine's index (adapters/search-index/postgres.ts): one row per searchable document. */
export const searchDocuments = pgTable(
  'search_documents',
  {
    tenantId: text('tenant_id').notNull(),
    documentId: text('document_id').notNull(),
    versionId: text('version_id').notNull(),
    title: text('title').notNull(),
    titleKey: text('title_key').notNull(),
    filename: text('filename').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    body: text('body').notNull(),
    folderId: text('folder_id'),
    ancestorIds: text('ancestor_ids').array().notNull().default(sql`'{}'::text[]`),
    authorId: text('author_id').notNull(),
    type: text('type').notNull(),
    contentType: text('content_type').notNull(),
    customFields: jsonb('custom_fields').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    language: text('language').notNull(),
    tsv: tsvector('tsv').notNull(),
    indexedAt: timestamp('indexed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.documentId] }),
    index('search_documents_updated_idx').on(t.tenantId, t.updatedAt, t.documentId),
  ],
);

/** Text-search configurations in use per tenant: the query is built for each of them. */
export const searchLanguages = pgTable(
  'search_languages',
  {
    tenantId: text('tenant_id').notNull(),
    language: text('language').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.language] })],
);
