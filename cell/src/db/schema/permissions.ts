import { index, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A role on a folder (inherited by everything below it) or a document, for a user or a group. */
export const grants = pgTable(
  'grants',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    principalType: text('principal_type').notNull(),
    principalId: text('principal_id').notNull(),
    role: text('role').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('grants_resource_principal_uq').on(t.tenantId, t.resourceId, t.principalId),
    index('grants_principal_idx').on(t.tenantId, t.principalId),
  ],
);
