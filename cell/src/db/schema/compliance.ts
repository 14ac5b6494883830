import {
  bigint,
  customType,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** A portability export (a user's own data, or the tenant's): progress, then the encrypted zip. */
export const portabilityExports = pgTable(
  'portability_exports',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    scope: text('scope').$type<'user' | 'tenant'>().notNull(),
    subjectUserId: text('subject_user_id'),
    requestedBy: text('requested_by').notNull(),
    reason: text('reason').$type<'request' | 'offboarding'>().notNull().default('request'),
    status: text('status').$type<'queued' | 'running' | 'done' | 'failed'>().notNull().default('queued'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total').notNull().default(0),
    blobKey: text('blob_key'),
    wrappedKey: bytea('wrapped_key'),
    keyRef: text('key_ref'),
    size: bigint('size', { mode: 'number' }),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id], name: 'portability_exports_pk' })],
);

/** What stays of an offboarded tenant: counts and dates only (and the purge's own progress). */
export const tenantTombstones = pgTable('tenant_tombstones', {
  tenantId: text('tenant_id').primaryKey(),
  state: text('state').$type<'deleting' | 'deleted'>().notNull(),
  summary: jsonb('summary').$type<Record<string, unknown>>().notNull().default({}),
  purgeStartedAt: timestamp('purge_started_at', { withTimezone: true }).notNull().defaultNow(),
  purgedAt: timestamp('purged_at', { withTimezone: true }),
});

export type PortabilityExportRow = typeof portabilityExports.$inferSelect;
