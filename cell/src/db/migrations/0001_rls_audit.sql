-- Tenant isolation, least privilege and the audit chain. Runs as the owner role;
-- the login app role is a member of the NOLOGIN group role `quire_cell_app`,
-- created beforehand by the bootstrap (an owner cannot create roles).

-- Composite foreign keys: a row can only ever point at a row of its own tenant.
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_fk" FOREIGN KEY ("tenant_id", "group_id") REFERENCES "groups"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_session_fk" FOREIGN KEY ("tenant_id", "session_id") REFERENCES "sessions"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "folders" ADD CONSTRAINT "folders_parent_fk" FOREIGN KEY ("tenant_id", "parent_id") REFERENCES "folders"("tenant_id", "id");--> statement-breakpoint
ALTER TABLE "folders" ADD CONSTRAINT "folders_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_folder_fk" FOREIGN KEY ("tenant_id", "folder_id") REFERENCES "folders"("tenant_id", "id");--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "document_versions" ADD CONSTRAINT "document_versions_document_fk" FOREIGN KEY ("tenant_id", "document_id") REFERENCES "documents"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "audit_heads" ADD CONSTRAINT "audit_heads_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "documents" ADD CONSTRAINT "documents_title_len" CHECK (char_length("title") BETWEEN 1 AND 255);--> statement-breakpoint
ALTER TABLE "folders" ADD CONSTRAINT "folders_name_len" CHECK (char_length("name") BETWEEN 1 AND 255);--> statement-breakpoint

-- Row-level security on every tenant table. The setting is read through a scalar
-- sub-select so the planner evaluates it once per query (an InitPlan), not per row;
-- an unset ('' or NULL) setting matches no row, never "all tenants".
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users','groups','group_members','sessions','refresh_tokens','invitations',
                           'folders','documents','document_versions','idempotency_keys','grants',
                           'audit_log','audit_heads']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint
ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "tenants"
  USING (id = (SELECT current_setting('app.tenant_id', true)))
  WITH CHECK (id = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint

-- Least privilege for the app role: data verbs only, and the audit log is insert-only.
GRANT USAGE ON SCHEMA public TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenants", "users", "groups", "group_members", "sessions",
  "refresh_tokens", "invitations", "folders", "documents", "document_versions", "idempotency_keys",
  "grants" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "audit_log" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "audit_heads" TO quire_cell_app;--> statement-breakpoint

-- The audit log refuses UPDATE, DELETE and TRUNCATE from every role, owner included.
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();--> statement-breakpoint

-- The canonical text of an entry: what the chain hashes. Every column but the hashes.
CREATE FUNCTION audit_canonical(a audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT convert_to(concat_ws(E'\x1f',
    a.tenant_id, a.seq::text,
    to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    a.actor_type, a.actor_id, a.action, a.resource_type, coalesce(a.resource_id, ''),
    coalesce(host(a.ip), ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''),
    a.details::text), 'UTF8')
$$;--> statement-breakpoint

-- Appends entries for the transaction's tenant. Locks the tenant's chain head, so
-- call it last in a transaction: the lock is then held only until commit.
CREATE FUNCTION audit_append(p_entries jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_tenant text := current_setting('app.tenant_id', true);
  v_seq bigint;
  v_hash bytea;
  v_row audit_log;
  e jsonb;
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN
    RAISE EXCEPTION 'audit_append needs a tenant context';
  END IF;
  INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (v_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    ON CONFLICT (tenant_id) DO NOTHING;
  SELECT seq, hash INTO v_seq, v_hash FROM audit_heads WHERE tenant_id = v_tenant FOR UPDATE;
  FOR e IN SELECT * FROM jsonb_array_elements(p_entries) LOOP
    v_seq := v_seq + 1;
    v_row := ROW(v_tenant, v_seq, date_trunc('microseconds', clock_timestamp()),
      e->>'actorType', e->>'actorId', e->>'action', e->>'resourceType', e->>'resourceId',
      (e->>'ip')::inet, e->>'userAgent', e->>'requestId', coalesce(e->'details', '{}'::jsonb),
      v_hash, NULL)::audit_log;
    v_row.hash := sha256(v_hash || audit_canonical(v_row));
    INSERT INTO audit_log VALUES (v_row.*);
    v_hash := v_row.hash;
  END LOOP;
  UPDATE audit_heads SET seq = v_seq, hash = v_hash WHERE tenant_id = v_tenant;
  RETURN v_seq;
END $$;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit_append(jsonb), audit_canonical(audit_log) TO quire_cell_app;
