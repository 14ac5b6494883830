import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Tenants homed in this cell. The row is the cell's proof that a tenant lives here. */
export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull(),
  status: text('status').notNull().default('active'),
  plan: text('plan').notNull(),
  tier: text('tier').notNull().default('pooled'),
  keyRef: text('key_ref').notNull(),
  storagePrefix: text('storage_prefix').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
