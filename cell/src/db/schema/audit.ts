import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  inet,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * Append-only entries, written unchained and without a lock (migration 0005): `id` is a
 * cell-wide identity, `xid` the inserting transaction's id. The app role may only insert
 * and read; a trigger refuses UPDATE, DELETE and TRUNCATE for everyone.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    tenantId: text('tenant_id').notNull(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
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
  },
  (t) => [
    primaryKey({ name: 'audit_log_pk', columns: [t.tenantId, t.id] }),
    index('audit_actor_idx').on(t.tenantId, t.actorId, t.id),
    index('audit_resource_idx').on(t.tenantId, t.resourceId, t.id),
    index('audit_action_idx').on(t.tenantId, t.action, t.id),
    index('audit_seal_order_idx').on(t.xid, t.id),
  ],
);

/**
 * The per-tenant hash chain over sealed entries:
 * `hash = sha256(prev ‖ canonical(entry, seq) ‖ personal_digest)`,
 * written only by the `audit_seal()` SQL function (the sealer), append-only.
 */
export const auditChain = pgTable(
  'audit_chain',
  {
    tenantId: text('tenant_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    entryId: bigint('entry_id', { mode: 'number' }).notNull(),
    /** hmac-sha256 of the entry's personal part under its subject's key (see auditSubjectKeys). */
    personalDigest: bytea('personal_digest').notNull(),
    hash: bytea('hash').notNull(),
    sealedAt: timestamp('sealed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'audit_chain_pk', columns: [t.tenantId, t.seq] }),
    unique('audit_chain_entry_uq').on(t.tenantId, t.entryId),
  ],
);

/**
 * One random key per subject (a user, or `system:…`) and tenant: the personal part of an entry
 * is chained only as an HMAC under it, so erasing a person (values and key) leaves every link
 * verifiable and nothing to reverse. Read only by the owner's SQL functions.
 */
export const auditSubjectKeys = pgTable(
  'audit_subject_keys',
  {
    tenantId: text('tenant_id').notNull(),
    subject: text('subject').notNull(),
    key: bytea('key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'audit_subject_keys_pk', columns: [t.tenantId, t.subject] })],
);

/** The head of each tenant's chain, moved only by the sealer. */
export const auditHeads = pgTable('audit_heads', {
  tenantId: text('tenant_id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: bytea('hash').notNull(),
});

/** How far the sealer has read: the (xid, id) of the last entry it chained. No tenant data. */
export const auditSealState = pgTable('audit_seal_state', {
  singleton: boolean('singleton').primaryKey().default(true),
  xid: xid8('xid').notNull(),
  id: bigint('id', { mode: 'number' }).notNull(),
  sealedAt: timestamp('sealed_at', { withTimezone: true }),
});
