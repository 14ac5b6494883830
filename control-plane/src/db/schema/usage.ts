import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { cells } from './cells.ts';
import { tenants } from './tenants.ts';

/** A tenant's usage figures as its home cell last reported them (heartbeat): numbers, never content. */
export const tenantUsage = pgTable('tenant_usage', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  cellId: text('cell_id')
    .notNull()
    .references(() => cells.id),
  storageBytes: bigint('storage_bytes', { mode: 'number' }).notNull(),
  documents: bigint('documents', { mode: 'number' }).notNull(),
  users: bigint('users', { mode: 'number' }).notNull(),
  reportedAt: timestamp('reported_at', { withTimezone: true }).notNull(),
});
