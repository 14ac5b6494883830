-- Usage against the plan's quotas (issue 11): one row per tenant, changed in the same
-- transaction as the change that alters it (upload, permanent delete, user create), so it is
-- never wrong after a crash. The row is created on first use from a count of the tenant's
-- rows (`ensureUsage`, under the tenant setting) and checked by a conditional UPDATE
-- (`used + delta <= limit`), which also serialises the last units of a quota.
CREATE TABLE "tenant_usage" (
  "tenant_id" text PRIMARY KEY NOT NULL,
  "storage_bytes" bigint DEFAULT 0 NOT NULL,
  "documents" bigint DEFAULT 0 NOT NULL,
  "users" bigint DEFAULT 0 NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "tenant_usage_non_negative" CHECK ("storage_bytes" >= 0 AND "documents" >= 0 AND "users" >= 0)
);--> statement-breakpoint
ALTER TABLE "tenant_usage" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_usage" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "tenant_usage"
  USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
  WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "tenant_usage" TO quire_cell_app;--> statement-breakpoint
-- The heartbeat tells the control plane each tenant's usage figures: numbers only, never
-- content. The owner reads every tenant's row for that one job (SECURITY DEFINER).
CREATE POLICY usage_figures ON "tenant_usage" FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE FUNCTION tenant_usage_figures()
RETURNS TABLE (tenant_id text, plan text, storage_bytes bigint, documents bigint, users bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT u.tenant_id, t.plan, u.storage_bytes, u.documents, u.users
  FROM tenant_usage u JOIN tenants t ON t.id = u.tenant_id ORDER BY u.tenant_id
$$;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenant_usage_figures() TO quire_cell_app;
