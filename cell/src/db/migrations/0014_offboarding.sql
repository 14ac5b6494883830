-- Issue 14, part B: portability exports and tenant offboarding with crypto-shredding.

-- ─── Portability exports ─────────────────────────────────────────────────────────────────
-- One row per export (a user's own data, or the whole tenant's): its progress, and once done
-- the encrypted zip in the blob store (`tenants/{id}/portability/{exportId}.zip`) with its data
-- key wrapped by the tenant's key. Downloaded by its requester (or an admin) until expires_at.
CREATE TABLE "portability_exports" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "scope" text NOT NULL,
  -- The user whose data it is (scope 'user'); null for a tenant export.
  "subject_user_id" text,
  -- A user id, or 'control-plane' for the export made when offboarding starts.
  "requested_by" text NOT NULL,
  "reason" text DEFAULT 'request' NOT NULL,
  "status" text DEFAULT 'queued' NOT NULL,
  "progress_done" integer DEFAULT 0 NOT NULL,
  "progress_total" integer DEFAULT 0 NOT NULL,
  "blob_key" text,
  "wrapped_key" bytea,
  "key_ref" text,
  "size" bigint,
  "error" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "started_at" timestamp with time zone,
  "finished_at" timestamp with time zone,
  "expires_at" timestamp with time zone,
  "lease_until" timestamp with time zone,
  CONSTRAINT "portability_exports_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "portability_exports_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "portability_exports_scope_ck" CHECK ("scope" IN ('user', 'tenant')),
  CONSTRAINT "portability_exports_subject_ck" CHECK (("scope" = 'user') = ("subject_user_id" IS NOT NULL)),
  CONSTRAINT "portability_exports_reason_ck" CHECK ("reason" IN ('request', 'offboarding')),
  CONSTRAINT "portability_exports_status_ck" CHECK ("status" IN ('queued', 'running', 'done', 'failed'))
);--> statement-breakpoint
CREATE INDEX "portability_exports_open_idx" ON "portability_exports" ("tenant_id", "status") WHERE "status" IN ('queued', 'running');--> statement-breakpoint

-- ─── What stays of an offboarded tenant ──────────────────────────────────────────────────
-- The anonymised summary kept after the deletion: counts and dates, no personal data, no
-- content. Also the purge's own progress (state 'deleting' while it runs, so a purge that a
-- crash interrupted is resumed by the next DELETE or config pull, even with the tenant row gone).
-- No foreign key to tenants: it outlives the tenant's row.
CREATE TABLE "tenant_tombstones" (
  "tenant_id" text PRIMARY KEY NOT NULL,
  "state" text NOT NULL,
  "summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "purge_started_at" timestamp with time zone DEFAULT now() NOT NULL,
  "purged_at" timestamp with time zone,
  CONSTRAINT "tenant_tombstones_state_ck" CHECK ("state" IN ('deleting', 'deleted'))
);--> statement-breakpoint

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['portability_exports', 'tenant_tombstones'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "portability_exports" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "tenant_tombstones" TO quire_cell_app;--> statement-breakpoint

-- ─── The audit log gives way to two things only ─────────────────────────────────────────
-- Entries still refuse UPDATE, DELETE and TRUNCATE from every role, except (1) a DELETE of the
-- rows of the tenant that purge_tenant_rows() (below, SECURITY DEFINER) is purging in this
-- transaction, and (2) the erasure of a person's personal values by audit_erase_subject()
-- (0013_compliance, kept here unchanged). The app role has no DELETE or UPDATE on the audit
-- tables, so it can use neither door.
CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('quire.purging_tenant', true) = OLD.tenant_id THEN
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_log'
     AND current_setting('quire.audit_erasing', true) = 'on'
     AND NEW.tenant_id = OLD.tenant_id AND NEW.id = OLD.id AND NEW.xid = OLD.xid
     AND NEW.occurred_at = OLD.occurred_at AND NEW.actor_type = OLD.actor_type
     AND NEW.action = OLD.action AND NEW.resource_type = OLD.resource_type
     AND NEW.resource_id IS NOT DISTINCT FROM OLD.resource_id
     AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
     AND NEW.ip IS NULL AND NEW.user_agent IS NULL AND NEW.details = '{}'::jsonb
     AND (NEW.actor_id = OLD.actor_id OR NEW.actor_id = 'erased') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint

-- Consent history (0013) gives way to the same purge, and keeps its erasure door unchanged.
CREATE OR REPLACE FUNCTION consent_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('quire.purging_tenant', true) = OLD.tenant_id THEN
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('quire.consent_erasing', true) = 'on'
     AND NEW.tenant_id = OLD.tenant_id AND NEW.id = OLD.id AND NEW.purpose_id = OLD.purpose_id
     AND NEW.decision = OLD.decision AND NEW.text_version = OLD.text_version
     AND NEW.occurred_at = OLD.occurred_at AND NEW.user_id = 'erased'
     AND NEW.ip IS NULL AND NEW.user_agent IS NULL THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint

-- Deletes every row of one tenant from every table with a tenant_id (then the tenant row),
-- in whatever order the foreign keys allow (passes until nothing is left or nothing moves),
-- under RLS for that tenant only. Returns the deleted count per table. The tombstone stays.
CREATE FUNCTION purge_tenant_rows(p_tenant text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  tbl text;
  n bigint;
  counts jsonb := '{}'::jsonb;
  remaining text[];
  pending text[];
  pass int := 0;
BEGIN
  IF p_tenant IS NULL OR p_tenant = '' THEN RAISE EXCEPTION 'purge_tenant_rows needs a tenant'; END IF;
  PERFORM set_config('app.tenant_id', p_tenant, true);
  PERFORM set_config('quire.purging_tenant', p_tenant, true);
  SELECT array_agg(c.table_name::text ORDER BY c.table_name) INTO remaining
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
   WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
     AND c.table_name <> 'tenant_tombstones';
  remaining := coalesce(remaining, ARRAY[]::text[]);
  WHILE array_length(remaining, 1) > 0 LOOP
    pass := pass + 1;
    IF pass > 50 THEN RAISE EXCEPTION 'purge_tenant_rows: foreign keys never settled (%)', remaining; END IF;
    pending := ARRAY[]::text[];
    FOREACH tbl IN ARRAY remaining LOOP
      BEGIN
        EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', tbl) USING p_tenant;
        GET DIAGNOSTICS n = ROW_COUNT;
        counts := jsonb_set(counts, ARRAY[tbl], to_jsonb(coalesce((counts ->> tbl)::bigint, 0) + n));
      EXCEPTION WHEN foreign_key_violation THEN
        pending := pending || tbl;
      END;
    END LOOP;
    IF array_length(pending, 1) IS NOT NULL AND array_length(pending, 1) = array_length(remaining, 1) AND pass > 1 THEN
      RAISE EXCEPTION 'purge_tenant_rows: foreign keys block %', pending;
    END IF;
    remaining := pending;
  END LOOP;
  DELETE FROM tenants WHERE id = p_tenant;
  GET DIAGNOSTICS n = ROW_COUNT;
  counts := jsonb_set(counts, ARRAY['tenants'], to_jsonb(n));
  PERFORM set_config('quire.purging_tenant', '', true);
  RETURN counts;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION purge_tenant_rows(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION purge_tenant_rows(text) TO quire_cell_app;
