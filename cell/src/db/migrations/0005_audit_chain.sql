-- Audit chain v2: appending takes no lock; a sealer chains committed entries in batches;
-- a person's data can be erased from the log without breaking the chain.
--
-- v1 (0001) chained every entry inside the request's transaction under a per-tenant
-- head-row lock, so all audited operations of one tenant ran one at a time. Now:
--   audit_log    entries, appended unchained (a global identity id, the inserting
--                transaction's xid8), append-only as before;
--   audit_chain  the chain: (tenant, seq) → entry, with
--                  personal_digest = hmac-sha256(subject key, personal(entry)) and
--                  hash = sha256(prev hash ‖ canonical(entry, seq) ‖ personal_digest),
--                written only by audit_seal(), append-only. canonical() is every column that is
--                not about a person; personal() is actor_id, ip, user_agent, details;
--   audit_subject_keys  one random key per subject (a user, or a system actor) and tenant,
--                readable only by the owner's functions. Erasure (GDPR) removes a person's
--                personal values and their key: every link still verifies, the erased
--                digests can no longer be checked nor reversed (an IP has little entropy);
--   audit_heads  each tenant's last seq and hash, moved only by audit_seal();
--   audit_seal_state  how far the sealer has read, as an (xid8, id) watermark.
-- The sealer reads entries whose transaction is over (xid below the oldest running
-- transaction's), in (xid, id) order past the watermark: a committed entry can never
-- appear behind the watermark later, so the chain is gap-free and nothing is sealed twice.
-- Existing v1 chains are verified here (a broken one stops the migration: a tampered log
-- is not re-blessed silently) and re-chained under v2.

-- The owner (who runs the sealer as SECURITY DEFINER) reads entries of every tenant to find
-- what to seal; nobody else gets past the tenant policy. Writes still go through it.
CREATE POLICY audit_sealer_reads ON "audit_log" FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint

DO $$
DECLARE t text; v_bad bigint; v_head_ok boolean;
BEGIN
  FOR t IN SELECT DISTINCT tenant_id FROM audit_log LOOP
    PERFORM set_config('app.tenant_id', t, true);
    WITH chain AS (
      SELECT a.seq,
             a.hash = sha256(a.prev_hash || audit_canonical(a)) AS hash_ok,
             a.prev_hash = coalesce(lag(a.hash) OVER w, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS link_ok,
             a.seq = coalesce(lag(a.seq) OVER w, 0) + 1 AS seq_ok
      FROM audit_log a WHERE a.tenant_id = t WINDOW w AS (ORDER BY a.seq))
    SELECT min(seq) FILTER (WHERE NOT (hash_ok AND link_ok AND seq_ok)) INTO v_bad FROM chain;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'audit chain v1 of tenant % is broken at seq %: investigate before migrating', t, v_bad;
    END IF;
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
END $$;--> statement-breakpoint

ALTER TABLE "audit_log" RENAME TO "audit_log_v1";--> statement-breakpoint
ALTER TABLE "audit_log_v1" RENAME CONSTRAINT "audit_log_tenant_id_seq_pk" TO "audit_log_v1_pk";--> statement-breakpoint
ALTER TABLE "audit_log_v1" RENAME CONSTRAINT "audit_log_tenant_fk" TO "audit_log_v1_tenant_fk";--> statement-breakpoint
DROP INDEX "audit_actor_idx";--> statement-breakpoint
DROP INDEX "audit_resource_idx";--> statement-breakpoint
DROP INDEX "audit_action_idx";--> statement-breakpoint

CREATE TABLE "audit_log" (
  "tenant_id" text NOT NULL,
  "id" bigint GENERATED ALWAYS AS IDENTITY,
  "xid" xid8 DEFAULT pg_current_xact_id() NOT NULL,
  "occurred_at" timestamp with time zone NOT NULL,
  "actor_type" text NOT NULL,
  "actor_id" text NOT NULL,
  "action" text NOT NULL,
  "resource_type" text NOT NULL,
  "resource_id" text,
  "ip" inet,
  "user_agent" text,
  "request_id" text,
  "details" jsonb DEFAULT '{}'::jsonb NOT NULL,
  CONSTRAINT "audit_log_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "audit_log_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")
);--> statement-breakpoint
CREATE INDEX "audit_actor_idx" ON "audit_log" ("tenant_id", "actor_id", "id");--> statement-breakpoint
CREATE INDEX "audit_resource_idx" ON "audit_log" ("tenant_id", "resource_id", "id");--> statement-breakpoint
CREATE INDEX "audit_action_idx" ON "audit_log" ("tenant_id", "action", "id");--> statement-breakpoint
-- The sealer's scan: entries past the watermark, in the order they are chained.
CREATE INDEX "audit_seal_order_idx" ON "audit_log" ("xid", "id");--> statement-breakpoint

CREATE TABLE "audit_chain" (
  "tenant_id" text NOT NULL,
  "seq" bigint NOT NULL,
  "entry_id" bigint NOT NULL,
  "personal_digest" bytea NOT NULL,
  "hash" bytea NOT NULL,
  -- When the sealer chained the entry: not hashed, for measuring how far sealing lags.
  "sealed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
  CONSTRAINT "audit_chain_pk" PRIMARY KEY ("tenant_id", "seq"),
  CONSTRAINT "audit_chain_entry_uq" UNIQUE ("tenant_id", "entry_id"),
  CONSTRAINT "audit_chain_entry_fk" FOREIGN KEY ("tenant_id", "entry_id") REFERENCES "audit_log"("tenant_id", "id")
);--> statement-breakpoint

CREATE TABLE "audit_subject_keys" (
  "tenant_id" text NOT NULL,
  "subject" text NOT NULL,
  "key" bytea NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "audit_subject_keys_pk" PRIMARY KEY ("tenant_id", "subject")
);--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pgcrypto;--> statement-breakpoint

CREATE TABLE "audit_seal_state" (
  "singleton" boolean PRIMARY KEY DEFAULT true CHECK ("singleton"),
  "xid" xid8 NOT NULL,
  "id" bigint NOT NULL,
  "sealed_at" timestamp with time zone
);--> statement-breakpoint

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['audit_log', 'audit_chain', 'audit_subject_keys'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint
CREATE POLICY audit_sealer_reads ON "audit_log" FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint

-- Entries and links refuse UPDATE, DELETE and TRUNCATE from every role, owner included.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();--> statement-breakpoint
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE OR DELETE ON "audit_chain"
  FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();--> statement-breakpoint
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON "audit_chain"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();--> statement-breakpoint

-- What a link hashes in the clear: the entry's columns that are not about a person, and its
-- place in the chain, as a JSON array (unambiguous whatever the values hold).
CREATE FUNCTION audit_canonical(a audit_log, p_seq bigint) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(jsonb_build_array('v2', a.tenant_id, p_seq, a.id,
    to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    a.actor_type, a.action, a.resource_type, a.resource_id, a.request_id)::text, 'UTF8')
$$;--> statement-breakpoint
-- What a link hashes only through its subject's key: who acted, from where, and what they
-- said (`details` holds search terms, names). `details::text` is jsonb's canonical form.
CREATE FUNCTION audit_personal(a audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT convert_to(jsonb_build_array(a.actor_id, host(a.ip), a.user_agent, a.details)::text, 'UTF8')
$$;--> statement-breakpoint
-- Whose personal data an entry holds: a user, or a system actor (never erased).
CREATE FUNCTION audit_subject(a audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a.actor_type = 'user' THEN a.actor_id ELSE a.actor_type || ':' || a.actor_id END
$$;--> statement-breakpoint
-- The subject's key in the transaction's tenant, made on first use. Owner only.
CREATE FUNCTION audit_subject_key(p_tenant text, p_subject text) RETURNS bytea
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
DECLARE v_key bytea;
BEGIN
  SELECT k.key INTO v_key FROM audit_subject_keys k WHERE k.tenant_id = p_tenant AND k.subject = p_subject;
  IF v_key IS NULL THEN
    INSERT INTO audit_subject_keys (tenant_id, subject, key) VALUES (p_tenant, p_subject, gen_random_bytes(32))
      ON CONFLICT (tenant_id, subject) DO NOTHING;
    SELECT k.key INTO v_key FROM audit_subject_keys k WHERE k.tenant_id = p_tenant AND k.subject = p_subject;
  END IF;
  RETURN v_key;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_subject_key(text, text) FROM PUBLIC;--> statement-breakpoint

-- Appends entries (a JSON array of objects with tenantId, occurredAt, actorType, actorId,
-- action, resourceType, resourceId, ip, userAgent, requestId, details). Entries of several
-- tenants (the group commit of reads and denials) are written tenant by tenant under that
-- tenant's setting, so the insert policy checks each; the caller's setting is restored.
CREATE FUNCTION audit_record(p_entries jsonb) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_caller text := current_setting('app.tenant_id', true);
  v_tenant text;
  v_count integer := 0;
  v_n integer;
BEGIN
  FOR v_tenant IN SELECT DISTINCT e->>'tenantId' FROM jsonb_array_elements(p_entries) e LOOP
    -- Inside a tenant's transaction, only that tenant's entries.
    IF coalesce(v_caller, '') <> '' AND v_tenant IS DISTINCT FROM v_caller THEN
      RAISE EXCEPTION 'audit_record: entry for another tenant than the transaction''s';
    END IF;
    PERFORM set_config('app.tenant_id', v_tenant, true);
    INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type,
                           resource_id, ip, user_agent, request_id, details)
    SELECT v_tenant, (e->>'occurredAt')::timestamptz, e->>'actorType', e->>'actorId', e->>'action',
           e->>'resourceType', e->>'resourceId', (e->>'ip')::inet, e->>'userAgent', e->>'requestId',
           coalesce(e->'details', '{}'::jsonb)
    FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x(e, n)
    WHERE e->>'tenantId' = v_tenant ORDER BY n;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_count := v_count + v_n;
  END LOOP;
  PERFORM set_config('app.tenant_id', coalesce(v_caller, ''), true);
  RETURN v_count;
END $$;--> statement-breakpoint

-- Chains up to p_max committed entries past the watermark; one sealer at a time (the state
-- row lock); all or nothing (one transaction), so a sealer killed mid-batch leaves the
-- watermark where it was and the next one redoes the batch. SECURITY DEFINER: the app role
-- may run it but cannot read across tenants itself, nor move heads or links by hand.
CREATE FUNCTION audit_seal(p_max integer) RETURNS TABLE (sealed integer, tenants integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  v_state audit_seal_state;
  v_horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
  r audit_log;
  v_tenant text := NULL;
  v_seq bigint;
  v_hash bytea;
  v_subject text := NULL;
  v_key bytea;
  v_digest bytea;
  v_last_xid xid8;
  v_last_id bigint;
  v_sealed integer := 0;
  v_tenants integer := 0;
BEGIN
  SELECT * INTO v_state FROM audit_seal_state FOR UPDATE;
  FOR r IN
    SELECT b.* FROM (
      SELECT a.* FROM audit_log a
      WHERE (a.xid, a.id) > (v_state.xid, v_state.id) AND a.xid < v_horizon
      ORDER BY a.xid, a.id LIMIT p_max) b
    ORDER BY b.tenant_id, b.xid, b.id
  LOOP
    IF r.tenant_id IS DISTINCT FROM v_tenant THEN
      IF v_tenant IS NOT NULL THEN
        UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE tenant_id = v_tenant;
      END IF;
      v_tenant := r.tenant_id;
      v_tenants := v_tenants + 1;
      PERFORM set_config('app.tenant_id', v_tenant, true);
      INSERT INTO audit_heads (tenant_id, seq, hash)
        VALUES (v_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
        ON CONFLICT (tenant_id) DO NOTHING;
      SELECT h.seq, h.hash INTO v_seq, v_hash FROM audit_heads h WHERE h.tenant_id = v_tenant;
      v_subject := NULL;
    END IF;
    IF audit_subject(r) IS DISTINCT FROM v_subject THEN
      v_subject := audit_subject(r);
      v_key := audit_subject_key(v_tenant, v_subject);
    END IF;
    v_seq := v_seq + 1;
    v_digest := hmac(audit_personal(r), v_key, 'sha256');
    v_hash := sha256(v_hash || audit_canonical(r, v_seq) || v_digest);
    INSERT INTO audit_chain (tenant_id, seq, entry_id, personal_digest, hash)
      VALUES (v_tenant, v_seq, r.id, v_digest, v_hash);
    IF v_last_xid IS NULL OR (r.xid, r.id) > (v_last_xid, v_last_id) THEN
      v_last_xid := r.xid;
      v_last_id := r.id;
    END IF;
    v_sealed := v_sealed + 1;
  END LOOP;
  IF v_tenant IS NOT NULL THEN
    UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE tenant_id = v_tenant;
    UPDATE audit_seal_state SET xid = v_last_xid, id = v_last_id, sealed_at = now();
  END IF;
  PERFORM set_config('app.tenant_id', '', true);
  RETURN QUERY SELECT v_sealed, v_tenants;
END $$;--> statement-breakpoint

-- Move the v1 entries over (ids in their chain order) and chain them under v2 here: they
-- carry this migration's xid, which audit_seal() would only reach after it commits.
DROP FUNCTION audit_append(jsonb);--> statement-breakpoint
DROP FUNCTION audit_canonical(audit_log_v1);--> statement-breakpoint
TRUNCATE "audit_heads";--> statement-breakpoint
DO $$
DECLARE
  t text;
  r audit_log;
  v_tenant text := NULL;
  v_seq bigint;
  v_hash bytea;
  v_digest bytea;
BEGIN
  FOR t IN SELECT DISTINCT tenant_id FROM audit_log_v1 LOOP
    PERFORM set_config('app.tenant_id', t, true);
    INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type,
                           resource_id, ip, user_agent, request_id, details)
    SELECT tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, ip,
           user_agent, request_id, details
    FROM audit_log_v1 WHERE tenant_id = t ORDER BY seq;
  END LOOP;
  FOR r IN SELECT a.* FROM audit_log a ORDER BY a.tenant_id, a.id LOOP
    IF r.tenant_id IS DISTINCT FROM v_tenant THEN
      IF v_tenant IS NOT NULL THEN
        INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (v_tenant, v_seq, v_hash);
      END IF;
      v_tenant := r.tenant_id;
      PERFORM set_config('app.tenant_id', v_tenant, true);
      v_seq := 0;
      v_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    END IF;
    v_seq := v_seq + 1;
    v_digest := hmac(audit_personal(r), audit_subject_key(v_tenant, audit_subject(r)), 'sha256');
    v_hash := sha256(v_hash || audit_canonical(r, v_seq) || v_digest);
    INSERT INTO audit_chain (tenant_id, seq, entry_id, personal_digest, hash)
      VALUES (v_tenant, v_seq, r.id, v_digest, v_hash);
  END LOOP;
  IF v_tenant IS NOT NULL THEN
    INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (v_tenant, v_seq, v_hash);
  END IF;
  PERFORM set_config('app.tenant_id', '', true);
  INSERT INTO audit_seal_state (xid, id, sealed_at)
    SELECT pg_current_xact_id(), coalesce(max(id), 0), now() FROM audit_log;
END $$;--> statement-breakpoint
DROP TABLE "audit_log_v1";--> statement-breakpoint

-- Verifies the transaction's tenant, in one snapshot of the caller's choosing: every link
-- (entry present, hash recomputed, seq without a gap), the head, the personal digest of every
-- entry whose subject key still exists (an erased subject's cannot be checked: counted), the
-- unsealed tail past the watermark, and entries written around the sealer (behind it).
CREATE FUNCTION audit_verify()
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
           CASE WHEN k.key IS NULL THEN NULL ELSE hmac(audit_personal(a), k.key, 'sha256') = c.personal_digest END AS personal_ok
    FROM audit_chain c
    LEFT JOIN audit_log a ON a.tenant_id = c.tenant_id AND a.id = c.entry_id
    LEFT JOIN audit_subject_keys k ON k.tenant_id = c.tenant_id AND k.subject = audit_subject(a)
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

-- Least privilege: the app appends entries and reads them; only audit_seal() moves the chain,
-- only the owner's functions read subject keys.
GRANT SELECT, INSERT ON "audit_log" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT ON "audit_chain", "audit_seal_state" TO quire_cell_app;--> statement-breakpoint
REVOKE INSERT, UPDATE ON "audit_heads" FROM quire_cell_app;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_canonical(audit_log, bigint), audit_record(jsonb), audit_seal(integer),
  audit_verify() TO quire_cell_app;
