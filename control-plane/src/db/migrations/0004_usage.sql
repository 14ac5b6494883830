-- Per-tenant usage figures as the home cell reports them in its heartbeat (issue 11): numbers
-- only (bytes, documents, users), never content. Replaced on every beat; kept when a cell
-- stops reporting (reported_at says how old they are).
CREATE TABLE "tenant_usage" (
  "tenant_id" text PRIMARY KEY NOT NULL REFERENCES "tenants"("id"),
  "cell_id" text NOT NULL REFERENCES "cells"("id"),
  "storage_bytes" bigint NOT NULL,
  "documents" bigint NOT NULL,
  "users" bigint NOT NULL,
  "reported_at" timestamp with time zone NOT NULL,
  CONSTRAINT "tenant_usage_non_negative" CHECK ("storage_bytes" >= 0 AND "documents" >= 0 AND "users" >= 0)
);--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenant_usage" TO quire_cp_app;
