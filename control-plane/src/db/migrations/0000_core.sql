CREATE TABLE "cell_keys" (
	"cell_id" text NOT NULL,
	"kid" text NOT NULL,
	"jwk" jsonb NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"retires_at" timestamp with time zone,
	CONSTRAINT "cell_keys_cell_id_kid_pk" PRIMARY KEY("cell_id","kid")
);
--> statement-breakpoint
CREATE TABLE "cells" (
	"id" text PRIMARY KEY NOT NULL,
	"region" text NOT NULL,
	"health" text DEFAULT 'pending' NOT NULL,
	"draining" boolean DEFAULT false NOT NULL,
	"base_url" text,
	"version" text,
	"capacity" integer DEFAULT 0 NOT NULL,
	"tenant_count" integer DEFAULT 0 NOT NULL,
	"issuer" text,
	"sealing_key" jsonb,
	"credential_hash" text NOT NULL,
	"credential_sealed" text NOT NULL,
	"last_heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ops_audit" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"actor_role" text,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"request_id" text,
	"outcome" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ops_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "versions" (
	"name" text PRIMARY KEY NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_definitions" (
	"key" text PRIMARY KEY NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"default_value" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plan_flags" (
	"plan_id" text NOT NULL,
	"flag_key" text NOT NULL,
	"value" jsonb NOT NULL,
	CONSTRAINT "plan_flags_plan_id_flag_key_pk" PRIMARY KEY("plan_id","flag_key")
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" text PRIMARY KEY NOT NULL,
	"limits" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_flags" (
	"tenant_id" text NOT NULL,
	"flag_key" text NOT NULL,
	"value" jsonb NOT NULL,
	CONSTRAINT "tenant_flags_tenant_id_flag_key_pk" PRIMARY KEY("tenant_id","flag_key")
);
--> statement-breakpoint
CREATE TABLE "provisioning_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"idempotency_key" text,
	"request_fingerprint" text NOT NULL,
	"step" text NOT NULL,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"sealed_admin" text,
	"sealed_for_cell" text,
	"requested_by" text NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"display_name" text NOT NULL,
	"region" text NOT NULL,
	"cell_id" text,
	"plan" text NOT NULL,
	"plan_overrides" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tier" text NOT NULL,
	"status" text DEFAULT 'provisioning' NOT NULL,
	"strict_residency" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cell_keys" ADD CONSTRAINT "cell_keys_cell_id_cells_id_fk" FOREIGN KEY ("cell_id") REFERENCES "public"."cells"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_flags" ADD CONSTRAINT "plan_flags_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plan_flags" ADD CONSTRAINT "plan_flags_flag_key_flag_definitions_key_fk" FOREIGN KEY ("flag_key") REFERENCES "public"."flag_definitions"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_flags" ADD CONSTRAINT "tenant_flags_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_flags" ADD CONSTRAINT "tenant_flags_flag_key_flag_definitions_key_fk" FOREIGN KEY ("flag_key") REFERENCES "public"."flag_definitions"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioning_jobs" ADD CONSTRAINT "provisioning_jobs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_cell_id_cells_id_fk" FOREIGN KEY ("cell_id") REFERENCES "public"."cells"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cell_keys_retires_idx" ON "cell_keys" USING btree ("retires_at");--> statement-breakpoint
CREATE INDEX "ops_audit_target_idx" ON "ops_audit" USING btree ("target_id","seq");--> statement-breakpoint
CREATE INDEX "ops_audit_action_idx" ON "ops_audit" USING btree ("action","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "ops_tokens_hash_key" ON "ops_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "provisioning_jobs_tenant_key" ON "provisioning_jobs" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provisioning_jobs_idem_key" ON "provisioning_jobs" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "provisioning_jobs_pending_idx" ON "provisioning_jobs" USING btree ("next_attempt_at") WHERE completed_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "tenants_cell_idx" ON "tenants" USING btree ("cell_id");