import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Cells, as region teams register them. A slot is created by a platform admin (id, region,
 * credential); everything else arrives with the cell's heartbeats, so adding a cell needs no
 * redeploy. `health` is what heartbeats say (pending until the first one), `draining` what ops say.
 */
export const cells = pgTable('cells', {
  id: text('id').primaryKey(),
  region: text('region').notNull(),
  health: text('health').notNull().default('pending'),
  draining: boolean('draining').notNull().default(false),
  baseUrl: text('base_url'),
  version: text('version'),
  capacity: integer('capacity').notNull().default(0),
  tenantCount: integer('tenant_count').notNull().default(0),
  issuer: text('issuer'),
  sealingKey: jsonb('sealing_key').$type<Record<string, unknown>>(),
  /** The search engine the cell reports (`postgres`, `opensearch`); null: a cell older than that report. */
  searchEngine: text('search_engine'),
  /** The largest tenant, in documents, its engine serves; null with an engine: no limit. */
  maxTenantDocuments: bigint('max_tenant_documents', { mode: 'number' }),
  /** sha256 of the credential the cell presents to us. */
  credentialHash: text('credential_hash').notNull(),
  /** The same credential, AES-256-GCM under SECRET_KEY: our bearer on the cell's internal API. */
  credentialSealed: text('credential_sealed').notNull(),
  lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every signing key a cell has advertised. A key the cell stops advertising is kept until
 * every token signed with it has expired (`retires_at`), then dropped.
 */
export const cellKeys = pgTable(
  'cell_keys',
  {
    cellId: text('cell_id')
      .notNull()
      .references(() => cells.id),
    kid: text('kid').notNull(),
    jwk: jsonb('jwk').$type<Record<string, unknown>>().notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    retiresAt: timestamp('retires_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.cellId, t.kid] }), index('cell_keys_retires_idx').on(t.retiresAt)],
);

export type CellRow = typeof cells.$inferSelect;
