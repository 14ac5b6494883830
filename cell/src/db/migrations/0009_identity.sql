-- Identity: sessions of every kind, MFA, SSO connections, user lifecycle, admin alerts.
--
-- One table of credentials that act as a user: `sessions`. A row is a password, SSO or
-- break-glass login (kind `bearer` or `cookie`), a personal API token (`api_token`) or a SCIM
-- token (`scim`); the access token's `sid` names it. Whatever the kind, the cell re-reads the
-- row, the user and the MFA rules on every request through session_actor() below, so a
-- revocation, a disabled user, a new MFA rule or a changed role takes effect on the next request.

ALTER TABLE "sessions"
  ADD COLUMN "kind" text DEFAULT 'bearer' NOT NULL,
  ADD COLUMN "auth_method" text DEFAULT 'password' NOT NULL,
  ADD COLUMN "amr" text[] DEFAULT '{}'::text[] NOT NULL,
  ADD COLUMN "mfa_at" timestamp with time zone,
  ADD COLUMN "name" text,
  ADD COLUMN "scopes" text[] DEFAULT '{}'::text[] NOT NULL,
  ADD COLUMN "token_hash" text,
  ADD COLUMN "connection_id" text,
  ADD COLUMN "ip" inet,
  ADD COLUMN "user_agent" text,
  ADD COLUMN "last_seen_at" timestamp with time zone,
  ADD CONSTRAINT "sessions_kind_ck" CHECK ("kind" IN ('bearer', 'cookie', 'api_token', 'scim')),
  ADD CONSTRAINT "sessions_auth_method_ck"
    CHECK ("auth_method" IN ('password', 'oidc', 'saml', 'break_glass', 'api_token', 'scim')),
  ADD CONSTRAINT "sessions_token_named_ck" CHECK ("kind" IN ('bearer', 'cookie') OR "name" IS NOT NULL);--> statement-breakpoint
CREATE INDEX "sessions_user_kind_idx" ON "sessions" ("tenant_id", "user_id", "kind");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_token_hash_uq" ON "sessions" ("tenant_id", "token_hash") WHERE "token_hash" IS NOT NULL;--> statement-breakpoint

-- Users: disabled and offboarded users keep their row (the audit trail names them).
ALTER TABLE "users"
  ADD COLUMN "break_glass" boolean DEFAULT false NOT NULL,
  ADD COLUMN "external_id" text,
  ADD COLUMN "scim_managed" boolean DEFAULT false NOT NULL,
  ADD COLUMN "disabled_at" timestamp with time zone,
  ADD COLUMN "offboarded_at" timestamp with time zone,
  ADD CONSTRAINT "users_status_ck" CHECK ("status" IN ('invited', 'active', 'disabled', 'offboarded')),
  ADD CONSTRAINT "users_role_ck" CHECK ("role" IN ('viewer', 'editor', 'admin'));--> statement-breakpoint
CREATE UNIQUE INDEX "users_external_id_uq" ON "users" ("tenant_id", "external_id") WHERE "external_id" IS NOT NULL;--> statement-breakpoint

-- The tenant's identity policy: one row per tenant (absent = the defaults).
CREATE TABLE "identity_settings" (
  "tenant_id" text PRIMARY KEY NOT NULL,
  -- Who must present a second factor: nobody beyond the enrolled, admins, or everyone.
  "mfa_required" text DEFAULT 'off' NOT NULL CHECK ("mfa_required" IN ('off', 'admins', 'all')),
  -- `sso_only`: passwords work only for break-glass accounts, and only while SSO is unavailable.
  "password_login" text DEFAULT 'allowed' NOT NULL CHECK ("password_login" IN ('allowed', 'sso_only')),
  -- Accept the IdP's own multi-factor login (OIDC amr, SAML AuthnContext) as our second factor.
  "trust_idp_mfa" boolean DEFAULT false NOT NULL,
  -- The admin-set "SSO unavailable" flag: on until this time (null: off).
  "sso_unavailable_until" timestamp with time zone,
  "sso_unavailable_by" text,
  -- Who receives the documents of a user SCIM deprovisions (null: nobody; admins still see them).
  "deprovision_transfer_to" text,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "identity_settings_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "identity_settings_transfer_fk" FOREIGN KEY ("tenant_id", "deprovision_transfer_to") REFERENCES "users"("tenant_id", "id")
);--> statement-breakpoint

-- Second factors. A TOTP secret is stored encrypted under the tenant's key (secret_enc).
CREATE TABLE "mfa_factors" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "user_id" text NOT NULL,
  "kind" text NOT NULL CHECK ("kind" IN ('totp')),
  "label" text NOT NULL,
  "secret_enc" bytea NOT NULL,
  -- The last TOTP time step accepted: a code is good once (replay, and two requests racing).
  "last_step" bigint DEFAULT 0 NOT NULL,
  "confirmed_at" timestamp with time zone,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "mfa_factors_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "mfa_factors_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE
);--> statement-breakpoint
CREATE INDEX "mfa_factors_user_idx" ON "mfa_factors" ("tenant_id", "user_id");--> statement-breakpoint

-- One-time recovery codes: only a hash of each (they are 50-bit random, so sha256 suffices).
CREATE TABLE "mfa_recovery_codes" (
  "tenant_id" text NOT NULL,
  "user_id" text NOT NULL,
  "code_hash" text NOT NULL,
  "used_at" timestamp with time zone,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "mfa_recovery_codes_pk" PRIMARY KEY ("tenant_id", "user_id", "code_hash"),
  CONSTRAINT "mfa_recovery_codes_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE
);--> statement-breakpoint

-- A tenant's identity providers. `config` holds what is not secret (issuer, client id, IdP
-- entity id, SSO URL, certificates); the OIDC client secret is encrypted under the tenant's key.
CREATE TABLE "sso_connections" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "protocol" text NOT NULL CHECK ("protocol" IN ('oidc', 'saml')),
  "name" text NOT NULL,
  "enabled" boolean DEFAULT true NOT NULL,
  "config" jsonb NOT NULL,
  "secret_enc" bytea,
  "mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "jit" boolean DEFAULT true NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "sso_connections_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "sso_connections_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")
);--> statement-breakpoint

-- Which user an IdP subject is: bound to the tenant AND the connection it came through.
CREATE TABLE "user_identities" (
  "tenant_id" text NOT NULL,
  "connection_id" text NOT NULL,
  "subject" text NOT NULL,
  "user_id" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "last_login_at" timestamp with time zone,
  CONSTRAINT "user_identities_pk" PRIMARY KEY ("tenant_id", "connection_id", "subject"),
  CONSTRAINT "user_identities_connection_fk" FOREIGN KEY ("tenant_id", "connection_id") REFERENCES "sso_connections"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "user_identities_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE
);--> statement-breakpoint
CREATE INDEX "user_identities_user_idx" ON "user_identities" ("tenant_id", "user_id");--> statement-breakpoint

-- What the tenant's admins must see (SSO bypasses): until the notification path exists,
-- this is how they are told.
CREATE TABLE "admin_alerts" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "kind" text NOT NULL,
  "message" text NOT NULL,
  "details" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "acknowledged_at" timestamp with time zone,
  "acknowledged_by" text,
  CONSTRAINT "admin_alerts_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "admin_alerts_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")
);--> statement-breakpoint
CREATE INDEX "admin_alerts_open_idx" ON "admin_alerts" ("tenant_id", "id") WHERE "acknowledged_at" IS NULL;--> statement-breakpoint

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['identity_settings', 'mfa_factors', 'mfa_recovery_codes', 'sso_connections',
                           'user_identities', 'admin_alerts']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint

-- Least privilege: recovery codes and identities are never updated in place except their
-- use/login time; alerts are never deleted (acknowledged instead).
GRANT SELECT, INSERT, UPDATE, DELETE ON "identity_settings", "mfa_factors", "sso_connections",
  "user_identities" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "mfa_recovery_codes" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "admin_alerts" TO quire_cell_app;--> statement-breakpoint

-- Whether a user must have passed a second factor in this session: they enrolled one, they
-- are a break-glass account, or the tenant's policy asks it of everyone or of admins.
CREATE FUNCTION mfa_required(p_tenant text, p_user text, p_role text, p_break_glass boolean)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_break_glass
      OR EXISTS (SELECT 1 FROM mfa_factors f
                 WHERE f.tenant_id = p_tenant AND f.user_id = p_user AND f.confirmed_at IS NOT NULL)
      OR EXISTS (SELECT 1 FROM identity_settings p
                 WHERE p.tenant_id = p_tenant
                   AND (p.mfa_required = 'all' OR (p.mfa_required = 'admins' AND p_role = 'admin')))
$$;--> statement-breakpoint

-- The caller behind an access token's (sub, sid), as the database says right now: the user
-- is active, the credential is neither revoked nor expired, and a second factor was passed
-- when one is required (so refreshing, an old API token or a session from before a new MFA
-- rule cannot stand in for it). No row: the credential no longer works. The normal road
-- (auth/actor.ts) and the one-statement reads (document_view_v2) both ask here.
CREATE FUNCTION session_actor(p_user text, p_session text)
RETURNS TABLE (role text, groups text[], kind text, scopes text[])
LANGUAGE sql STABLE AS $$
  SELECT u.role, coalesce(array_agg(gm.group_id) FILTER (WHERE gm.group_id IS NOT NULL), '{}'),
         s.kind, s.scopes
  FROM users u
  JOIN sessions s ON s.tenant_id = u.tenant_id AND s.id = p_session AND s.user_id = u.id
  LEFT JOIN group_members gm ON gm.tenant_id = u.tenant_id AND gm.user_id = u.id
  WHERE u.tenant_id = (SELECT current_setting('app.tenant_id', true))
    AND u.id = p_user AND u.status = 'active'
    AND s.revoked_at IS NULL AND s.expires_at > now()
    AND (s.mfa_at IS NOT NULL OR NOT mfa_required(u.tenant_id, u.id, u.role, u.break_glass))
  GROUP BY u.role, s.kind, s.scopes
$$;--> statement-breakpoint

-- document_view (0007) with the session checked by session_actor(): the hot read refuses
-- exactly what every other route refuses, and returns the credential's kind and scopes so
-- the cell applies the same scope rules (auth/credentials.ts).
CREATE FUNCTION document_view_v2(p_tenant text, p_user text, p_session text, p_doc text)
RETURNS TABLE (
  actor_role text, actor_groups text[], actor_kind text, actor_scopes text[],
  id text, folder_id text, title text, tags text[], custom_fields jsonb, current_version_id text,
  version_count integer, created_by text, created_ms float8, updated_ms float8, trashed_ms float8,
  v_number integer, v_filename text, v_content_type text, v_size bigint, v_sha256 text,
  v_restored_from text, v_created_by text, v_created_ms float8,
  text_status text, text_error_code text, text_error_message text, language text,
  text_truncated boolean, preview_status text, grant_role text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  PERFORM tenant_enter(p_tenant);
  RETURN QUERY
  WITH actor AS (SELECT sa.role, sa.groups, sa.kind, sa.scopes FROM session_actor(p_user, p_session) sa)
  SELECT a.role, a.groups, a.kind, a.scopes,
         d.id, d.folder_id, d.title, d.tags, d.custom_fields, d.current_version_id, d.version_count,
         d.created_by, extract(epoch FROM d.created_at)::float8 * 1000, extract(epoch FROM d.updated_at)::float8 * 1000,
         extract(epoch FROM d.trashed_at)::float8 * 1000,
         v.number, v.filename, v.content_type, v.size, v.sha256, v.restored_from, v.created_by,
         extract(epoch FROM v.created_at)::float8 * 1000,
         x.text_status, x.text_error_code, x.text_error_message, x.language, x.text_truncated, x.preview_status,
         (SELECT g.role FROM grants g
           WHERE g.tenant_id = d.tenant_id
             AND g.resource_id = ANY (d.id || string_to_array(trim(BOTH '/' FROM coalesce(f.path, '')), '/'))
             AND g.principal_id = ANY (p_user || a.groups)
           ORDER BY CASE g.role WHEN 'owner' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END DESC LIMIT 1)
  FROM actor a
  LEFT JOIN documents d ON d.tenant_id = p_tenant AND d.id = p_doc
  LEFT JOIN folders f ON f.tenant_id = d.tenant_id AND f.id = d.folder_id
  LEFT JOIN document_versions v ON v.tenant_id = d.tenant_id AND v.id = d.current_version_id
  LEFT JOIN version_derivatives x
    ON x.tenant_id = d.tenant_id AND x.version_id = regexp_replace(v.blob_key, '^.*/', '');
END $$;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION mfa_required(text, text, text, boolean), session_actor(text, text),
  document_view_v2(text, text, text, text) TO quire_cell_app;
