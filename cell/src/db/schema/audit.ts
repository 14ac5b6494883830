import {
  bigint,
  customType,
  index,
  inet,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Append-only, hash-chained per tenant: `hash = sha256(prev_hash || canonical(entry))`.
 * Rows are only ever written by the `audit_append` SQL function; the app role has no
 * UPDATE or DELETE, and a trigger refuses both for everyone.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    tenantId: text('tenant_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    ip: inet('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    details: jsonb('details').notNull().default({}),
    prevHash: bytea('prev_hash').notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.seq] }),
    index('audit_actor_idx').on(t.tenantId, t.actorId, t.seq),
    index('audit_resource_idx').on(t.tenantId, t.resourceId, t.seq),
    index('audit_action_idx').on(t.tenantId, t.action, t.seq),
  ],
);

/** The head of each tenant's chain; locking it orders concurrent appends. */
export const auditHeads = pgTable('audit_heads', {
  tenantId: text('tenant_id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: bytea('hash').notNull(),
});
