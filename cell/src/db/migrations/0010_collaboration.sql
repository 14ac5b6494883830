-- Collaboration and sharing (issue 12): comments and mentions, notifications and their
-- preferences, external share links, access requests, bulk jobs, tenant webhooks, and folder
-- trash. Every table holds one tenant's rows: composite keys and foreign keys within the
-- tenant, ENABLE + FORCE row-level security with the tenant_isolation policy, and only the
-- data verbs the app needs granted to quire_cell_app.

-- ─── Comments ───────────────────────────────────────────────────────────────────────────
-- A thread is a root comment (thread_id = id) and its replies (thread_id = the root).
-- Deleting keeps the row (shown as deleted) and wipes the text, here and in the history.
CREATE TABLE "comments" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "document_id" text NOT NULL,
  "thread_id" text NOT NULL,
  "parent_id" text,
  "author_id" text NOT NULL,
  "body" text NOT NULL,
  "anchor" jsonb,
  "revision" integer DEFAULT 1 NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "edited_at" timestamp with time zone,
  "deleted_at" timestamp with time zone,
  "deleted_by" text,
  "resolved_at" timestamp with time zone,
  "resolved_by" text,
  CONSTRAINT "comments_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "comments_document_fk" FOREIGN KEY ("tenant_id", "document_id") REFERENCES "documents"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "comments_body_len" CHECK (char_length("body") <= 10000)
);--> statement-breakpoint
CREATE INDEX "comments_document_idx" ON "comments" ("tenant_id", "document_id", "id");--> statement-breakpoint
CREATE INDEX "comments_thread_idx" ON "comments" ("tenant_id", "thread_id", "id");--> statement-breakpoint

-- The text each edit replaced: revision n holds the body as it was at revision n.
CREATE TABLE "comment_revisions" (
  "tenant_id" text NOT NULL,
  "comment_id" text NOT NULL,
  "revision" integer NOT NULL,
  "body" text NOT NULL,
  "edited_by" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "comment_revisions_pk" PRIMARY KEY ("tenant_id", "comment_id", "revision"),
  CONSTRAINT "comment_revisions_comment_fk" FOREIGN KEY ("tenant_id", "comment_id") REFERENCES "comments"("tenant_id", "id") ON DELETE CASCADE
);--> statement-breakpoint

-- Who a comment mentions (users and groups of the tenant), resolved by the server.
CREATE TABLE "comment_mentions" (
  "tenant_id" text NOT NULL,
  "comment_id" text NOT NULL,
  "principal_type" text NOT NULL,
  "principal_id" text NOT NULL,
  CONSTRAINT "comment_mentions_pk" PRIMARY KEY ("tenant_id", "comment_id", "principal_id"),
  CONSTRAINT "comment_mentions_comment_fk" FOREIGN KEY ("tenant_id", "comment_id") REFERENCES "comments"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "comment_mentions_type_ck" CHECK ("principal_type" IN ('user', 'group'))
);--> statement-breakpoint

-- ─── Notifications ──────────────────────────────────────────────────────────────────────
-- email_state: none (no mail wanted), pending (in the user's next mail, due at email_due_at),
-- sent, skipped (no longer visible or no mail transport when due). in_app false: kept only
-- for the user's mail (their preference), never listed.
CREATE TABLE "notifications" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "user_id" text NOT NULL,
  "kind" text NOT NULL,
  "actor_id" text,
  "resource_type" text,
  "resource_id" text,
  "data" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "read_at" timestamp with time zone,
  "in_app" boolean DEFAULT true NOT NULL,
  "email_state" text DEFAULT 'none' NOT NULL,
  "email_due_at" timestamp with time zone,
  CONSTRAINT "notifications_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "notifications_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "notifications_email_state_ck" CHECK ("email_state" IN ('none', 'pending', 'sent', 'skipped'))
);--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" ("tenant_id", "user_id", "id");--> statement-breakpoint
CREATE INDEX "notifications_unread_idx" ON "notifications" ("tenant_id", "user_id", "id") WHERE "read_at" IS NULL AND "in_app";--> statement-breakpoint
CREATE INDEX "notifications_email_due_idx" ON "notifications" ("tenant_id", "email_due_at") WHERE "email_state" = 'pending';--> statement-breakpoint

CREATE TABLE "notification_preferences" (
  "tenant_id" text NOT NULL,
  "user_id" text NOT NULL,
  "kind" text NOT NULL,
  "in_app" boolean DEFAULT true NOT NULL,
  "email" text DEFAULT 'off' NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "notification_preferences_pk" PRIMARY KEY ("tenant_id", "user_id", "kind"),
  CONSTRAINT "notification_preferences_user_fk" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "notification_preferences_email_ck" CHECK ("email" IN ('off', 'instant', 'digest'))
);--> statement-breakpoint

-- ─── External share links ───────────────────────────────────────────────────────────────
-- The token is `<tenant id>.<256 random bits>`; only sha256 of the random part is stored.
CREATE TABLE "share_links" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "resource_type" text NOT NULL,
  "resource_id" text NOT NULL,
  "token_hash" bytea NOT NULL,
  "password_hash" text,
  "expires_at" timestamp with time zone,
  "max_downloads" integer,
  "download_count" integer DEFAULT 0 NOT NULL,
  "access_count" integer DEFAULT 0 NOT NULL,
  "last_access_at" timestamp with time zone,
  "revoked_at" timestamp with time zone,
  "revoked_by" text,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "share_links_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "share_links_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "share_links_type_ck" CHECK ("resource_type" IN ('folder', 'document')),
  CONSTRAINT "share_links_downloads_ck" CHECK ("max_downloads" IS NULL OR "max_downloads" > 0)
);--> statement-breakpoint
CREATE UNIQUE INDEX "share_links_token_uq" ON "share_links" ("tenant_id", "token_hash");--> statement-breakpoint
CREATE INDEX "share_links_resource_idx" ON "share_links" ("tenant_id", "resource_id", "id");--> statement-breakpoint

-- ─── Access requests ────────────────────────────────────────────────────────────────────
CREATE TABLE "access_requests" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "resource_type" text NOT NULL,
  "resource_id" text NOT NULL,
  "requester_id" text NOT NULL,
  "role" text NOT NULL,
  "message" text,
  "status" text DEFAULT 'pending' NOT NULL,
  "decided_by" text,
  "decided_at" timestamp with time zone,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "access_requests_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "access_requests_requester_fk" FOREIGN KEY ("tenant_id", "requester_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "access_requests_status_ck" CHECK ("status" IN ('pending', 'granted', 'declined')),
  CONSTRAINT "access_requests_role_ck" CHECK ("role" IN ('viewer', 'editor')),
  CONSTRAINT "access_requests_message_len" CHECK (char_length("message") <= 1000)
);--> statement-breakpoint
CREATE UNIQUE INDEX "access_requests_pending_uq" ON "access_requests" ("tenant_id", "resource_id", "requester_id") WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX "access_requests_status_idx" ON "access_requests" ("tenant_id", "status", "id");--> statement-breakpoint

-- ─── Bulk jobs ──────────────────────────────────────────────────────────────────────────
CREATE TABLE "bulk_jobs" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "kind" text NOT NULL,
  "created_by" text NOT NULL,
  "idempotency_key" text,
  "request_hash" text NOT NULL,
  "params" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "status" text DEFAULT 'queued' NOT NULL,
  "total" integer NOT NULL,
  "done_count" integer DEFAULT 0 NOT NULL,
  "failed_count" integer DEFAULT 0 NOT NULL,
  "result" jsonb,
  "result_blob_key" text,
  "result_wrapped_key" bytea,
  "result_key_ref" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "started_at" timestamp with time zone,
  "finished_at" timestamp with time zone,
  "cancel_requested_at" timestamp with time zone,
  -- A worker holds the job while this is in the future (renewed per chunk); past it, another takes over.
  "lease_until" timestamp with time zone,
  CONSTRAINT "bulk_jobs_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "bulk_jobs_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id"),
  CONSTRAINT "bulk_jobs_kind_ck" CHECK ("kind" IN ('move', 'trash', 'restore', 'tag', 'export')),
  CONSTRAINT "bulk_jobs_status_ck" CHECK ("status" IN ('queued', 'running', 'done', 'failed', 'cancelled'))
);--> statement-breakpoint
CREATE UNIQUE INDEX "bulk_jobs_idempotency_uq" ON "bulk_jobs" ("tenant_id", "created_by", "idempotency_key") WHERE "idempotency_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "bulk_jobs_open_idx" ON "bulk_jobs" ("tenant_id", "status") WHERE "status" IN ('queued', 'running');--> statement-breakpoint

CREATE TABLE "bulk_job_items" (
  "tenant_id" text NOT NULL,
  "job_id" text NOT NULL,
  "seq" integer NOT NULL,
  "resource_type" text NOT NULL,
  "resource_id" text NOT NULL,
  "status" text DEFAULT 'pending' NOT NULL,
  "error_code" text,
  "error_message" text,
  CONSTRAINT "bulk_job_items_pk" PRIMARY KEY ("tenant_id", "job_id", "seq"),
  CONSTRAINT "bulk_job_items_job_fk" FOREIGN KEY ("tenant_id", "job_id") REFERENCES "bulk_jobs"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "bulk_job_items_status_ck" CHECK ("status" IN ('pending', 'done', 'failed', 'cancelled'))
);--> statement-breakpoint

-- ─── Tenant webhooks ────────────────────────────────────────────────────────────────────
-- The signing secret is kept encrypted under the tenant's key (envelope), never in clear.
CREATE TABLE "webhooks" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "url" text NOT NULL,
  "events" text[] NOT NULL,
  "secret_ciphertext" bytea NOT NULL,
  "secret_wrapped_key" bytea NOT NULL,
  "secret_key_ref" text NOT NULL,
  "active" boolean DEFAULT true NOT NULL,
  "created_by" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "webhooks_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "webhooks_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id")
);--> statement-breakpoint

CREATE TABLE "webhook_deliveries" (
  "tenant_id" text NOT NULL,
  "id" text NOT NULL,
  "webhook_id" text NOT NULL,
  "event" text NOT NULL,
  "payload" jsonb NOT NULL,
  "status" text DEFAULT 'pending' NOT NULL,
  "attempts" integer DEFAULT 0 NOT NULL,
  "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
  "last_status" integer,
  "last_error" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "delivered_at" timestamp with time zone,
  CONSTRAINT "webhook_deliveries_pk" PRIMARY KEY ("tenant_id", "id"),
  CONSTRAINT "webhook_deliveries_webhook_fk" FOREIGN KEY ("tenant_id", "webhook_id") REFERENCES "webhooks"("tenant_id", "id") ON DELETE CASCADE,
  CONSTRAINT "webhook_deliveries_status_ck" CHECK ("status" IN ('pending', 'delivered', 'failed'))
);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_log_idx" ON "webhook_deliveries" ("tenant_id", "webhook_id", "id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" ("tenant_id", "next_attempt_at") WHERE "status" = 'pending';--> statement-breakpoint

-- ─── Folder trash ───────────────────────────────────────────────────────────────────────
-- Trashing a folder marks its whole subtree with the folder it was trashed with, so restoring
-- that folder brings back exactly what went with it (not what had been trashed on its own).
ALTER TABLE "folders" ADD COLUMN "trashed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "folders" ADD COLUMN "trashed_by" text;--> statement-breakpoint
ALTER TABLE "folders" ADD COLUMN "trashed_with" text;--> statement-breakpoint
ALTER TABLE "documents" ADD COLUMN "trashed_with" text;--> statement-breakpoint
CREATE INDEX "folders_trashed_with_idx" ON "folders" ("tenant_id", "trashed_with") WHERE "trashed_with" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "documents_trashed_with_idx" ON "documents" ("tenant_id", "trashed_with") WHERE "trashed_with" IS NOT NULL;--> statement-breakpoint

-- ─── Row-level security and least privilege ─────────────────────────────────────────────
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['comments', 'comment_revisions', 'comment_mentions', 'notifications',
                           'notification_preferences', 'share_links', 'access_requests', 'bulk_jobs',
                           'bulk_job_items', 'webhooks', 'webhook_deliveries']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint

GRANT SELECT, INSERT, UPDATE ON "comments", "notifications", "notification_preferences", "share_links",
  "access_requests", "bulk_jobs", "bulk_job_items", "webhooks", "webhook_deliveries" TO quire_cell_app;--> statement-breakpoint
-- Comment history and mentions are written once; deleting a comment wipes its history's text.
GRANT SELECT, INSERT, UPDATE ON "comment_revisions" TO quire_cell_app;--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON "comment_mentions" TO quire_cell_app;--> statement-breakpoint
-- Rows that end: read notifications can be cleared, finished bulk items go with their job,
-- webhooks are removed by admins (their delivery log with them).
GRANT DELETE ON "notifications", "bulk_jobs", "bulk_job_items", "webhooks", "webhook_deliveries" TO quire_cell_app;
