-- Compliance (issue 14, part A): erasure with proof, legal holds, consent.
--
--   erasure_requests   a person's erasure (GDPR art. 17): deadline, status, per-store progress and
--                      the proof of each store's verification. Once done, the request keeps no
--                      identifier of the person: `user_id` is cleared, `subject_fingerprint`
--                      (sha256 of tenant and user id) lets an admin who knows the id confirm it;
--   audit_erasures     audit entries whose personal values an erasure destroyed: their keyed
--                      digests can no longer be checked (counted by audit_verify() as
--                      personal_unverifiable), every link of the chain still verifies;
--   legal_holds, legal_hold_items, legal_hold_events, held_requests
--                      named holds over documents, folders, custodians (users) or a saved search,
--                      their history, and the deletions and erasures they hold back (queued, resumed
--                      in order on release);
--   retention_policies  keep documents of a folder, tag or type N days after creation or last change,
--                      then trash or delete them (never what a hold keeps);
--   consent_purposes, consent_events
--                      purposes a tenant defines and the append-only record of grants and
--                      withdrawals (version of the text, time, IP): no UPDATE or DELETE for anyone.

CREATE TABLE "erasure_requests" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "user_id" text,
  "subject_fingerprint" text NOT NULL,
  "status" text DEFAULT 'pending' NOT NULL,
  "requested_by" text NOT NULL,
  "reassign_to" text,
  "deadline" timestamp with time zone NOT NULL,
  "attempts" integer DEFAULT 0 NOT NULL,
  "last_error" text,
  "steps" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "proof" jsonb,
  "lease_until" timestamp with time zone,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  "completed_at" timestamp with time zone,
  CONSTRAINT "erasure_requests_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "erasure_requests_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "erasure_requests_status_ck" CHECK ("status" IN ('pending', 'held', 'running', 'completed', 'failed'))
);--> statement-breakpoint
-- One open request per person.
CREATE UNIQUE INDEX "erasure_requests_open_uq" ON "erasure_requests" ("tenant_id", "user_id")
  WHERE "status" IN ('pending', 'held', 'running');--> statement-breakpoint

CREATE TABLE "audit_erasures" (
  "tenant_id" text NOT NULL,
  "entry_id" bigint NOT NULL,
  "erasure_id" text NOT NULL,
  "erased_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "audit_erasures_pk" PRIMARY KEY ("tenant_id", "entry_id"),
  CONSTRAINT "audit_erasures_entry_fk" FOREIGN KEY ("tenant_id", "entry_id") REFERENCES "audit_log"("tenant_id", "id")
);--> statement-breakpoint

CREATE TABLE "legal_holds" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "name" text NOT NULL,
  "description" text DEFAULT '' NOT NULL,
  "status" text DEFAULT 'active' NOT NULL,
  -- The saved search the hold was placed with (the POST /v1/search body), if any.
  "search" jsonb,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "released_by" text,
  "released_at" timestamp with time zone,
  CONSTRAINT "legal_holds_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "legal_holds_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "legal_holds_status_ck" CHECK ("status" IN ('active', 'released'))
);--> statement-breakpoint
CREATE UNIQUE INDEX "legal_holds_active_name_uq" ON "legal_holds" ("tenant_id", lower("name")) WHERE "status" = 'active';--> statement-breakpoint

CREATE TABLE "legal_hold_items" (
  "tenant_id" text NOT NULL,
  "hold_id" text NOT NULL,
  "kind" text NOT NULL,
  "target_id" text NOT NULL,
  -- 'explicit' (named in the request) or 'search' (matched by the saved search when placed).
  "source" text DEFAULT 'explicit' NOT NULL,
  CONSTRAINT "legal_hold_items_pk" PRIMARY KEY ("tenant_id", "hold_id", "kind", "target_id"),
  CONSTRAINT "legal_hold_items_hold_fk" FOREIGN KEY ("tenant_id", "hold_id") REFERENCES "legal_holds"("tenant_id", "id"),
  CONSTRAINT "legal_hold_items_kind_ck" CHECK ("kind" IN ('document', 'folder', 'custodian'))
);--> statement-breakpoint
CREATE INDEX "legal_hold_items_target_idx" ON "legal_hold_items" ("tenant_id", "target_id");--> statement-breakpoint

CREATE TABLE "legal_hold_events" (
  "tenant_id" text NOT NULL,
  "id" bigint GENERATED ALWAYS AS IDENTITY,
  "hold_id" text NOT NULL,
  "event" text NOT NULL,
  "actor_id" text,
  "details" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "legal_hold_events_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "legal_hold_events_hold_fk" FOREIGN KEY ("tenant_id", "hold_id") REFERENCES "legal_holds"("tenant_id", "id")
);--> statement-breakpoint

CREATE TABLE "held_requests" (
  "tenant_id" text NOT NULL,
  "id" bigint GENERATED ALWAYS AS IDENTITY,
  -- document.trash | document.delete | folder.trash | bulk.item | retention.item | erasure
  "kind" text NOT NULL,
  "target_id" text NOT NULL,
  "requested_by" text NOT NULL,
  "hold_ids" text[] NOT NULL,
  "status" text DEFAULT 'queued' NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "resumed_at" timestamp with time zone,
  "outcome" text,
  CONSTRAINT "held_requests_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "held_requests_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "held_requests_status_ck" CHECK ("status" IN ('queued', 'resumed', 'dropped'))
);--> statement-breakpoint
CREATE UNIQUE INDEX "held_requests_queued_uq" ON "held_requests" ("tenant_id", "kind", "target_id") WHERE "status" = 'queued';--> statement-breakpoint

CREATE TABLE "retention_policies" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "name" text NOT NULL,
  -- folder (everything below it), tag, or type (the current version's content type; 'image/*' a family)
  "scope_kind" text NOT NULL,
  "scope_value" text NOT NULL,
  -- created or updated: keep N days after creation or after the last change
  "basis" text NOT NULL,
  "keep_days" integer NOT NULL,
  "action" text NOT NULL,
  "enabled" boolean DEFAULT true NOT NULL,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "last_run_at" timestamp with time zone,
  CONSTRAINT "retention_policies_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "retention_policies_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "retention_policies_scope_ck" CHECK ("scope_kind" IN ('folder', 'tag', 'type')),
  CONSTRAINT "retention_policies_basis_ck" CHECK ("basis" IN ('created', 'updated')),
  CONSTRAINT "retention_policies_action_ck" CHECK ("action" IN ('trash', 'delete')),
  CONSTRAINT "retention_policies_keep_ck" CHECK ("keep_days" BETWEEN 0 AND 36500)
);--> statement-breakpoint

CREATE TABLE "consent_purposes" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "key" text NOT NULL,
  "name" text NOT NULL,
  "text_version" text NOT NULL,
  "description" text DEFAULT '' NOT NULL,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "consent_purposes_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "consent_purposes_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")
);--> statement-breakpoint
CREATE UNIQUE INDEX "consent_purposes_key_uq" ON "consent_purposes" ("tenant_id", "key");--> statement-breakpoint

CREATE TABLE "consent_events" (
  "tenant_id" text NOT NULL,
  "id" bigint GENERATED ALWAYS AS IDENTITY,
  "purpose_id" text NOT NULL,
  "user_id" text NOT NULL,
  "decision" text NOT NULL,
  "text_version" text NOT NULL,
  "ip" inet,
  "user_agent" text,
  "occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "consent_events_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "consent_events_purpose_fk" FOREIGN KEY ("tenant_id", "purpose_id") REFERENCES "consent_purposes"("tenant_id", "id"),
  CONSTRAINT "consent_events_decision_ck" CHECK ("decision" IN ('granted', 'withdrawn'))
);--> statement-breakpoint
CREATE INDEX "consent_events_user_idx" ON "consent_events" ("tenant_id", "user_id", "purpose_id", "id");--> statement-breakpoint
CREATE INDEX "consent_events_purpose_idx" ON "consent_events" ("tenant_id", "purpose_id", "id");--> statement-breakpoint

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['erasure_requests', 'audit_erasures', 'legal_holds', 'legal_hold_items',
                           'legal_hold_events', 'held_requests', 'retention_policies', 'consent_purposes',
                           'consent_events']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint

-- Consent history is written once: triggers refuse UPDATE, DELETE and TRUNCATE for every role.
-- The one exception: consent_erase_subject() (an erasure) replaces the person's id by 'erased'
-- and clears address and agent; decision, purpose, version and time stay as evidence.
CREATE FUNCTION consent_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('quire.consent_erasing', true) = 'on'
     AND NEW.tenant_id = OLD.tenant_id AND NEW.id = OLD.id AND NEW.purpose_id = OLD.purpose_id
     AND NEW.decision = OLD.decision AND NEW.text_version = OLD.text_version
     AND NEW.occurred_at = OLD.occurred_at AND NEW.user_id = 'erased'
     AND NEW.ip IS NULL AND NEW.user_agent IS NULL THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint
CREATE TRIGGER consent_events_no_update BEFORE UPDATE OR DELETE ON "consent_events"
  FOR EACH ROW EXECUTE FUNCTION consent_events_immutable();--> statement-breakpoint
CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON "consent_events"
  FOR EACH STATEMENT EXECUTE FUNCTION consent_events_immutable();--> statement-breakpoint

CREATE FUNCTION consent_erase_subject(p_user text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE v_tenant text := current_setting('app.tenant_id', true); v_n integer;
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN RAISE EXCEPTION 'consent_erase_subject needs a tenant context'; END IF;
  PERFORM set_config('quire.consent_erasing', 'on', true);
  UPDATE consent_events SET user_id = 'erased', ip = NULL, user_agent = NULL
    WHERE tenant_id = v_tenant AND user_id = p_user;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  PERFORM set_config('quire.consent_erasing', '', true);
  RETURN v_n;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION consent_erase_subject(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION consent_erase_subject(text) TO quire_cell_app;--> statement-breakpoint

-- ─── Erasure in the audit trail ─────────────────────────────────────────────────────────
-- Entries stay append-only, with one exception made here: audit_erase_subject() (owner only,
-- SECURITY DEFINER) may clear the personal values (actor_id → 'erased', ip, user_agent, details)
-- of entries, never a column the chain hashes in the clear.
CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

-- Erases a person from the transaction's tenant's audit trail: their own entries lose actor,
-- address, agent and details; other people's entries whose details name them (a mention, a
-- search for their email) lose their details. Each touched entry is listed in audit_erasures,
-- and the person's subject key is destroyed. Returns how many entries were touched.
CREATE FUNCTION audit_erase_subject(p_subject text, p_identifiers text[], p_erasure text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_tenant text := current_setting('app.tenant_id', true);
  v_n integer := 0;
  v_m integer := 0;
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN RAISE EXCEPTION 'audit_erase_subject needs a tenant context'; END IF;
  IF p_subject IS NULL OR p_subject = '' OR p_subject = 'erased' THEN RAISE EXCEPTION 'audit_erase_subject: no subject'; END IF;
  PERFORM set_config('quire.audit_erasing', 'on', true);
  WITH touched AS (
    UPDATE audit_log a SET actor_id = 'erased', ip = NULL, user_agent = NULL, details = '{}'::jsonb
    WHERE a.tenant_id = v_tenant AND a.actor_type = 'user' AND a.actor_id = p_subject
    RETURNING a.id)
  INSERT INTO audit_erasures (tenant_id, entry_id, erasure_id)
    SELECT v_tenant, id, p_erasure FROM touched ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  WITH touched AS (
    UPDATE audit_log a SET ip = NULL, user_agent = NULL, details = '{}'::jsonb
    WHERE a.tenant_id = v_tenant AND a.details <> '{}'::jsonb
      AND EXISTS (SELECT 1 FROM unnest(p_identifiers) i
                  WHERE i <> '' AND strpos(lower(a.details::text), lower(i)) > 0)
    RETURNING a.id)
  INSERT INTO audit_erasures (tenant_id, entry_id, erasure_id)
    SELECT v_tenant, id, p_erasure FROM touched ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_m = ROW_COUNT;
  PERFORM set_config('quire.audit_erasing', '', true);
  DELETE FROM audit_subject_keys k WHERE k.tenant_id = v_tenant AND k.subject = p_subject;
  RETURN v_n + v_m;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_erase_subject(text, text[], text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_erase_subject(text, text[], text) TO quire_cell_app;--> statement-breakpoint

-- The verification of an erasure in the audit trail: entries whose personal values still name
-- one of the identifiers, and whether the subject's key still exists. Owner's view of the keys.
CREATE FUNCTION audit_subject_traces(p_subject text, p_identifiers text[])
RETURNS TABLE (entries bigint, key_exists boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT
    (SELECT count(*) FROM audit_log a
      WHERE a.tenant_id = current_setting('app.tenant_id', true)
        AND ((a.actor_type = 'user' AND a.actor_id = p_subject)
          OR EXISTS (SELECT 1 FROM unnest(p_identifiers) i WHERE i <> '' AND (
               strpos(lower(a.details::text), lower(i)) > 0 OR strpos(lower(coalesce(a.user_agent, '')), lower(i)) > 0
               OR strpos(lower(a.actor_id), lower(i)) > 0)))),
    EXISTS (SELECT 1 FROM audit_subject_keys k
      WHERE k.tenant_id = current_setting('app.tenant_id', true) AND k.subject = p_subject)
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_subject_traces(text, text[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_subject_traces(text, text[]) TO quire_cell_app;--> statement-breakpoint

-- audit_verify() as in 0005, except that an entry an erasure touched is not checked against its
-- personal digest (its values and, for its subject, the key are gone): counted as unverifiable.
CREATE OR REPLACE FUNCTION audit_verify()
RETURNS TABLE (checked bigint, first_bad bigint, head_ok boolean, personal_unverifiable bigint,
               unsealed bigint, unsealed_since timestamptz, behind bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE v_tenant text := current_setting('app.tenant_id', true);
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN RAISE EXCEPTION 'audit_verify needs a tenant context'; END IF;
  RETURN QUERY
  WITH links AS (
    SELECT c.seq, c.hash,
           a.id IS NOT NULL
           AND c.hash = sha256(coalesce(lag(c.hash) OVER w, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                               || audit_canonical(a, c.seq) || c.personal_digest)
           AND c.seq = coalesce(lag(c.seq) OVER w, 0) + 1 AS link_ok,
           CASE WHEN k.key IS NULL OR e.entry_id IS NOT NULL THEN NULL
                ELSE hmac(audit_personal(a), k.key, 'sha256') = c.personal_digest END AS personal_ok
    FROM audit_chain c
    LEFT JOIN audit_log a ON a.tenant_id = c.tenant_id AND a.id = c.entry_id
    LEFT JOIN audit_subject_keys k ON k.tenant_id = c.tenant_id AND k.subject = audit_subject(a)
    LEFT JOIN audit_erasures e ON e.tenant_id = c.tenant_id AND e.entry_id = c.entry_id
    WHERE c.tenant_id = v_tenant
    WINDOW w AS (ORDER BY c.seq)),
  summary AS (
    SELECT count(*) AS checked,
           min(seq) FILTER (WHERE NOT coalesce(link_ok, false) OR personal_ok = false) AS first_bad,
           count(*) FILTER (WHERE personal_ok IS NULL) AS unverifiable,
           max(seq) AS last_seq,
           (array_agg(hash ORDER BY seq DESC))[1] AS last_hash
    FROM links),
  tail AS (
    SELECT count(*) FILTER (WHERE (a.xid, a.id) > (s.xid, s.id)) AS unsealed,
           min(a.occurred_at) FILTER (WHERE (a.xid, a.id) > (s.xid, s.id)) AS since,
           count(*) FILTER (WHERE (a.xid, a.id) <= (s.xid, s.id)) AS behind
    FROM audit_log a CROSS JOIN audit_seal_state s
    WHERE a.tenant_id = v_tenant
      AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.tenant_id = a.tenant_id AND c.entry_id = a.id))
  SELECT s.checked, s.first_bad,
         CASE WHEN h.tenant_id IS NULL THEN s.checked = 0
              ELSE h.seq = coalesce(s.last_seq, 0) AND h.hash IS NOT DISTINCT FROM coalesce(s.last_hash, h.hash) END,
         s.unverifiable, t.unsealed, t.since, t.behind
  FROM summary s CROSS JOIN tail t LEFT JOIN audit_heads h ON h.tenant_id = v_tenant;
END $$;--> statement-breakpoint

-- ─── Least privilege ────────────────────────────────────────────────────────────────────
GRANT SELECT, INSERT, UPDATE ON "erasure_requests", "legal_holds", "held_requests", "consent_purposes" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "retention_policies" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON "legal_hold_items" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "legal_hold_events", "consent_events" TO quire_cell_app;--> statement-breakpoint
-- Hold history is kept; an erasure re-points its actor at the "Deleted user" tombstone.
GRANT UPDATE ("actor_id", "details") ON "legal_hold_events" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT ON "audit_erasures" TO quire_cell_app;--> statement-breakpoint
-- Erasure removes what a person alone left behind: their mentions' and preferences' rows, the
-- access requests they made (cascaded with the user), their consent answers stay (history).
GRANT DELETE ON "notification_preferences", "access_requests" TO quire_cell_app;
