import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Ops tokens: opaque, shown once, stored as sha256. */
export const opsTokens = pgTable(
  'ops_tokens',
  {
    id: text('id').primaryKey(),
    label: text('label').notNull(),
    role: text('role').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('ops_tokens_hash_key').on(t.tokenHash)],
);

/**
 * Every admin action and every refused one. Append-only: the app role may only insert and
 * read, and a trigger refuses UPDATE, DELETE and TRUNCATE for everyone.
 */
export const opsAudit = pgTable(
  'ops_audit',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    actorRole: text('actor_role'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    outcome: text('outcome').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('ops_audit_target_idx').on(t.targetId, t.seq),
    index('ops_audit_action_idx').on(t.action, t.seq),
  ],
);

/** Monotonic counters: `routing` (the edge snapshot) and `config` (what cells pull). */
export const versions = pgTable('versions', {
  name: text('name').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull().default(0),
});

export type OpsTokenRow = typeof opsTokens.$inferSelect;
