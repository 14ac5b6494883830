-- Verified company domains → tenant, for tenant discovery on the bare hostname. A domain
-- name is company data (like the tenant's display name), never personal: no email, no
-- user, only the domain, its verification token and when it was proved by DNS TXT.
CREATE TABLE "tenant_domains" (
  "domain" text PRIMARY KEY NOT NULL,
  "tenant_id" text NOT NULL REFERENCES "tenants"("id"),
  "verification_token" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "verified_at" timestamp with time zone,
  "last_checked_at" timestamp with time zone,
  CONSTRAINT "tenant_domains_domain_ck" CHECK ("domain" = lower("domain") AND "domain" LIKE '%.%')
);--> statement-breakpoint
CREATE INDEX "tenant_domains_tenant_idx" ON "tenant_domains" ("tenant_id");--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenant_domains" TO quire_cp_app;
