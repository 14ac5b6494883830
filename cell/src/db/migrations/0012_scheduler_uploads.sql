-- ─── One scheduler for all background work (cell/src/jobs/scheduler/README.md) ──────────
-- A job is one row naming one tenant; Postgres holds the work, so a killed worker loses none.
-- A claimed job's run_at is its lease's expiry: a worker that dies stops renewing it and the
-- job is ready again when the lease runs out; completion deletes the row only while the
-- lease is still the completer's (lease_owner), which fences off a worker that lost it.
CREATE TABLE "jobs" (
  "tenant_id" text NOT NULL REFERENCES "tenants"("id"),
  "id" bigserial PRIMARY KEY,
  -- The cell's queue prefix (QUEUE_PREFIX): every process of a cell shares it; test runs and
  -- benches sharing a database keep their jobs apart by it.
  "queue" text NOT NULL,
  "kind" text NOT NULL,
  -- Jobs with the same (tenant, kind, key) coalesce (a user's next mail, a bulk job's run).
  "key" text,
  "payload" jsonb NOT NULL DEFAULT '{}'::jsonb,
  "run_at" timestamp with time zone NOT NULL DEFAULT now(),
  "attempts" integer NOT NULL DEFAULT 0,
  "lease_owner" text,
  "last_error" text,
  "created_at" timestamp with time zone NOT NULL DEFAULT now()
);--> statement-breakpoint
CREATE INDEX "jobs_ready_idx" ON "jobs" ("tenant_id", "queue", "run_at", "id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_key_idx" ON "jobs" ("tenant_id", "queue", "kind", "key") WHERE "key" IS NOT NULL;--> statement-breakpoint

-- ─── Resumable uploads (tus 1.0; cell/src/modules/uploads/README.md) ───────────────────
-- An upload in progress: its declared length and metadata, the bytes acknowledged so far
-- (stored as encrypted parts under tenants/{tenant}/uploads/{id}/), and when it expires.
CREATE TABLE "uploads" (
  "tenant_id" text NOT NULL REFERENCES "tenants"("id"),
  "id" text NOT NULL,
  "created_by" text NOT NULL,
  -- A new version of this document; null for a new document (then folder_id, or the top level).
  "document_id" text,
  "folder_id" text,
  "filename" text NOT NULL,
  "title" text,
  "content_type" text NOT NULL,
  "length" bigint NOT NULL,
  "offset" bigint NOT NULL DEFAULT 0,
  -- The stored parts in order: [{ "key": blob key, "size": plaintext bytes }]; each is
  -- ciphertext under the upload's data key (wrapped by the tenant's key, like a version's).
  "parts" jsonb NOT NULL DEFAULT '[]'::jsonb,
  "wrapped_key" bytea NOT NULL,
  "key_ref" text NOT NULL,
  -- Set in the transaction that creates the document (or version) from the finished upload.
  "version_id" text,
  "completed_at" timestamp with time zone,
  "expires_at" timestamp with time zone NOT NULL,
  "created_at" timestamp with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("tenant_id", "id")
);--> statement-breakpoint
CREATE INDEX "uploads_expires_idx" ON "uploads" ("tenant_id", "expires_at");--> statement-breakpoint

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['jobs', 'uploads']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "jobs", "uploads" TO quire_cell_app;--> statement-breakpoint
GRANT USAGE ON SEQUENCE "jobs_id_seq" TO quire_cell_app;--> statement-breakpoint

-- The scheduler's one cross-tenant read: which tenants have a job ready now (ids only),
-- by a loose index scan so a tenant with a deep backlog costs one probe, not its depth.
CREATE POLICY scheduler_lists_ready ON "jobs" FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE FUNCTION job_ready_tenants(q text, kinds text[]) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH RECURSIVE t(id) AS (
    (SELECT tenant_id FROM jobs ORDER BY tenant_id LIMIT 1)
    UNION ALL
    SELECT (SELECT j.tenant_id FROM jobs j WHERE j.tenant_id > t.id ORDER BY j.tenant_id LIMIT 1)
    FROM t WHERE t.id IS NOT NULL
  )
  SELECT t.id FROM t WHERE t.id IS NOT NULL AND EXISTS (
    SELECT 1 FROM jobs j WHERE j.tenant_id = t.id AND j.queue = q AND j.run_at <= now() AND j.kind = ANY(kinds))
$$;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION job_ready_tenants(text, text[]) TO quire_cell_app;
