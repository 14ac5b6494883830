import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A tenant's usage against its plan's quotas, changed in the transaction of the change that
 * alters it (migration 0011). Created on first use from a count of the tenant's rows.
 */
export const tenantUsage = pgTable('tenant_usage', {
  tenantId: text('tenant_id').primaryKey(),
  storageBytes: bigint('storage_bytes', { mode: 'number' }).notNull().default(0),
  documents: bigint('documents', { mode: 'number' }).notNull().default(0),
  users: bigint('users', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
