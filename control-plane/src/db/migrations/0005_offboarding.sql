-- Issue 14, part B: tenant offboarding. `offboarding` (read-only grace period) until
-- delete_after, then `deleted`; the home cell's purge is asked for (and retried) until it
-- confirms (purged_at). Dates and a retry schedule only: nothing about the tenant's people.
ALTER TABLE "tenants" ADD COLUMN "offboarding_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "delete_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "purge_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "purge_next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "purge_last_error" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_offboarding_dates_chk"
  CHECK ("status" <> 'offboarding' OR ("offboarding_started_at" IS NOT NULL AND "delete_after" IS NOT NULL));--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_deleted_date_chk" CHECK ("status" <> 'deleted' OR "deleted_at" IS NOT NULL);--> statement-breakpoint
CREATE INDEX "tenants_offboarding_due_idx" ON "tenants" ("delete_after") WHERE "status" = 'offboarding';--> statement-breakpoint
CREATE INDEX "tenants_purge_pending_idx" ON "tenants" ("purge_next_attempt_at") WHERE "status" = 'deleted' AND "purged_at" IS NULL;
