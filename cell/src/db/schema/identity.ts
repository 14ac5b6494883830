import { notLike, sql } from 'drizzle-orm';
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
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The address of a tombstone account: the `users` row an erased person's kept records (comments,
 * versions, trash) point at instead of them (modules/erasure). Not a person: never listed.
 */
export const TOMBSTONE_EMAIL_DOMAIN = 'erased.invalid';

/** `users.status` (checked by users_status_ck, migration 0009). */
export const USER_STATUSES = ['invited', 'active', 'disabled', 'offboarded'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const users = pgTable(
  'users',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    status: text('status').notNull().default('invited'),
    passwordHash: text('password_hash'),
    /** A break-glass account: password + MFA, usable only while SSO is unavailable (migration 0009). */
    breakGlass: boolean('break_glass').notNull().default(false),
    /** The SCIM client's id for this user. */
    externalId: text('external_id'),
    scimManaged: boolean('scim_managed').notNull().default(false),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    offboardedAt: timestamp('offboarded_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('users_tenant_email_uq').on(t.tenantId, sql`lower(${t.email})`),
  ],
);

/** The rows of `users` that are people: every one but the tombstones. */
export const notTombstone = notLike(users.email, `%@${TOMBSTONE_EMAIL_DOMAIN}`);

export const groups = pgTable(
  'groups',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('groups_tenant_name_uq').on(t.tenantId, sql`lower(${t.name})`),
  ],
);

export const groupMembers = pgTable(
  'group_members',
  {
    tenantId: text('tenant_id').notNull(),
    groupId: text('group_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.groupId, t.userId] }),
    index('group_members_user_idx').on(t.tenantId, t.userId),
  ],
);

/**
 * Every credential that acts as a user (migration 0009): one row per login (kind `bearer` or
 * `cookie`; refresh tokens rotate inside it, and reuse of a spent one revokes it), per
 * personal API token (`api_token`) and per SCIM token (`scim`). An access token's `sid` names
 * the row; `session_actor()` checks it on every request.
 */
export const sessions = pgTable(
  'sessions',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    kind: text('kind').$type<SessionKind>().notNull().default('bearer'),
    authMethod: text('auth_method').$type<AuthMethod>().notNull().default('password'),
    amr: text('amr').array().notNull().default(sql`'{}'::text[]`),
    /** When a second factor was passed for this credential (copied onto API tokens made in it). */
    mfaAt: timestamp('mfa_at', { withTimezone: true }),
    name: text('name'),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    /** sha256 of an API or SCIM token (the token itself is never stored). */
    tokenHash: text('token_hash'),
    connectionId: text('connection_id'),
    ip: inet('ip'),
    userAgent: text('user_agent'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('sessions_user_idx').on(t.tenantId, t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tenantId: text('tenant_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    sessionId: text('session_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.tokenHash] }),
    index('refresh_tokens_session_idx').on(t.tenantId, t.sessionId),
  ],
);

/** Invitations let a user choose their own password; only the token's hash is stored. */
export const invitations = pgTable(
  'invitations',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('invitations_token_uq').on(t.tenantId, t.tokenHash),
  ],
);

export type SessionKind = 'bearer' | 'cookie' | 'api_token' | 'scim';
export type AuthMethod = 'password' | 'oidc' | 'saml' | 'break_glass' | 'api_token' | 'scim';

/** The tenant's identity policy (one row, absent = defaults). */
export const identitySettings = pgTable('identity_settings', {
  tenantId: text('tenant_id').primaryKey(),
  mfaRequired: text('mfa_required').$type<'off' | 'admins' | 'all'>().notNull().default('off'),
  passwordLogin: text('password_login').$type<'allowed' | 'sso_only'>().notNull().default('allowed'),
  trustIdpMfa: boolean('trust_idp_mfa').notNull().default(false),
  ssoUnavailableUntil: timestamp('sso_unavailable_until', { withTimezone: true }),
  ssoUnavailableBy: text('sso_unavailable_by'),
  deprovisionTransferTo: text('deprovision_transfer_to'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const mfaFactors = pgTable(
  'mfa_factors',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind').$type<'totp'>().notNull(),
    label: text('label').notNull(),
    secretEnc: bytea('secret_enc').notNull(),
    lastStep: bigint('last_step', { mode: 'number' }).notNull().default(0),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('mfa_factors_user_idx').on(t.tenantId, t.userId),
  ],
);

export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId, t.codeHash] })],
);

export const ssoConnections = pgTable(
  'sso_connections',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    protocol: text('protocol').$type<'oidc' | 'saml'>().notNull(),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    secretEnc: bytea('secret_enc'),
    mapping: jsonb('mapping').$type<Record<string, unknown>>().notNull().default({}),
    jit: boolean('jit').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const userIdentities = pgTable(
  'user_identities',
  {
    tenantId: text('tenant_id').notNull(),
    connectionId: text('connection_id').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.connectionId, t.subject] }),
    index('user_identities_user_idx').on(t.tenantId, t.userId),
  ],
);

export const adminAlerts = pgTable(
  'admin_alerts',
  {
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);
