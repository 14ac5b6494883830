-- Background jobs that visit every tenant (the janitor: orphan blobs, expired idempotency
-- keys) list tenant ids through tenant_ids(): ids only, nothing else crosses tenants. The
-- owner reads them (SECURITY DEFINER); the app role still sees only its tenant's row.
CREATE POLICY background_lists_ids ON "tenants" FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE FUNCTION tenant_ids() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT id FROM tenants ORDER BY id
$$;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenant_ids() TO quire_cell_app;--> statement-breakpoint
-- Idempotency keys expire (24 h): the janitor deletes them by age.
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" ("tenant_id", "created_at");
