import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { cells } from './cells.ts';

/**
 * The tenant registry: where each tenant lives and on what terms. Nothing about its
 * people or content: those stay in its home cell.
 */
export const tenants = pgTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    displayName: text('display_name').notNull(),
    region: text('region').notNull(),
    cellId: text('cell_id').references(() => cells.id),
    plan: text('plan').notNull(),
    planOverrides: jsonb('plan_overrides').$type<Record<string, number | null>>().notNull().default({}),
    tier: text('tier').notNull(),
    status: text('status').notNull().default('provisioning'),
    strictResidency: boolean('strict_residency').notNull().default(false),
    /** Offboarding: when it started, and when the grace period (read-only) ends. */
    offboardingStartedAt: timestamp('offboarding_started_at', { withTimezone: true }),
    deleteAfter: timestamp('delete_after', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /** When the home cell confirmed the purge (rows, blobs, index, keys, then its key destroyed). */
    purgedAt: timestamp('purged_at', { withTimezone: true }),
    purgeAttempts: integer('purge_attempts').notNull().default(0),
    purgeNextAttemptAt: timestamp('purge_next_attempt_at', { withTimezone: true }),
    purgeLastError: text('purge_last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tenants_slug_key').on(t.slug), index('tenants_cell_idx').on(t.cellId)],
);

/**
 * The provisioning saga of a tenant: recorded → placed → cell_provisioned → active. The
 * first admin travels only as `sealed_admin`, a JWE only the target cell can open, and is
 * deleted when the job completes.
 */
export const provisioningJobs = pgTable(
  'provisioning_jobs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    idempotencyKey: text('idempotency_key'),
    /** sha256 of the settings of the request that created the tenant (not of the admin). */
    requestFingerprint: text('request_fingerprint').notNull(),
    step: text('step').notNull(),
    /** [{ step, at }] in order: the job's progress as ops see it. */
    history: jsonb('history').$type<{ step: string; at: string }[]>().notNull().default([]),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sealedAdmin: text('sealed_admin'),
    sealedForCell: text('sealed_for_cell'),
    /** Who asked, for the audit entries the resumer writes on their behalf. */
    requestedBy: text('requested_by').notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('provisioning_jobs_tenant_key').on(t.tenantId),
    uniqueIndex('provisioning_jobs_idem_key').on(t.idempotencyKey),
    index('provisioning_jobs_pending_idx').on(t.nextAttemptAt).where(sql`completed_at is null`),
  ],
);

export type TenantRow = typeof tenants.$inferSelect;
export type JobRow = typeof provisioningJobs.$inferSelect;
