import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The folder tree. `path` is the materialized chain of ids from the root down to and
 * including this folder (`/fld_a/fld_b/`): ancestry, breadcrumbs, subtree queries and
 * cycle checks are one indexed prefix lookup, however deep the tree.
 */
export const folders = pgTable(
  'folders',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    parentId: text('parent_id'),
    name: text('name').notNull(),
    path: text('path').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** In the trash (migration 0010): with the whole subtree of the folder named in `trashedWith`. */
    trashedAt: timestamp('trashed_at', { withTimezone: true }),
    trashedBy: text('trashed_by'),
    trashedWith: text('trashed_with'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('folders_sibling_name_uq').on(
      t.tenantId,
      sql`coalesce(${t.parentId}, '')`,
      sql`lower(${t.name})`,
    ),
    index('folders_path_idx').on(t.tenantId, sql`${t.path} text_pattern_ops`),
  ],
);
