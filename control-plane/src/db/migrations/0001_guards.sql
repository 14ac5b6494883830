-- Invariants the database enforces whatever the code does, and least privilege for the
-- app role. Runs as the owner role; the login app role is a member of the NOLOGIN group
-- role `quire_cp_app`, created beforehand by the bootstrap (an owner cannot create roles).

ALTER TABLE "cells" ADD CONSTRAINT "cells_health_chk" CHECK ("health" IN ('pending', 'up', 'down'));--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_id_chk" CHECK ("id" ~ '^[a-z0-9-]{2,32}$');--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_status_chk" CHECK ("status" IN ('provisioning', 'active', 'suspended', 'offboarding', 'deleted'));--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_id_chk" CHECK ("id" ~ '^ten_[a-z0-9][a-z0-9-]{0,39}$');--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_plan_fk" FOREIGN KEY ("plan") REFERENCES "plans"("id");--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_tier_chk" CHECK ("tier" IN ('pooled', 'schema', 'database', 'dedicated'));--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_active_has_cell_chk" CHECK ("status" = 'provisioning' OR "cell_id" IS NOT NULL);--> statement-breakpoint
ALTER TABLE "provisioning_jobs" ADD CONSTRAINT "provisioning_jobs_step_chk" CHECK ("step" IN ('recorded', 'placed', 'cell_provisioned', 'active', 'failed'));--> statement-breakpoint
ALTER TABLE "provisioning_jobs" ADD CONSTRAINT "provisioning_jobs_done_sealed_chk" CHECK ("completed_at" IS NULL OR "sealed_admin" IS NULL);--> statement-breakpoint
ALTER TABLE "ops_tokens" ADD CONSTRAINT "ops_tokens_role_chk" CHECK ("role" IN ('sales-ops', 'platform-admin'));--> statement-breakpoint
ALTER TABLE "ops_audit" ADD CONSTRAINT "ops_audit_outcome_chk" CHECK ("outcome" IN ('ok', 'denied', 'failed'));--> statement-breakpoint

INSERT INTO "versions" ("name", "value") VALUES ('routing', 1), ('config', 1) ON CONFLICT DO NOTHING;--> statement-breakpoint

-- The ops audit is append-only for everyone, owner included.
CREATE FUNCTION ops_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ops_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;--> statement-breakpoint
CREATE TRIGGER ops_audit_no_update BEFORE UPDATE OR DELETE ON "ops_audit" FOR EACH ROW EXECUTE FUNCTION ops_audit_refuse_change();--> statement-breakpoint
CREATE TRIGGER ops_audit_no_truncate BEFORE TRUNCATE ON "ops_audit" FOR EACH STATEMENT EXECUTE FUNCTION ops_audit_refuse_change();--> statement-breakpoint

-- Least privilege: the app reads and writes rows, never DDL; the audit only grows.
GRANT USAGE ON SCHEMA public TO quire_cp_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "cells", "cell_keys", "tenants", "provisioning_jobs", "flag_definitions", "plan_flags", "tenant_flags" TO quire_cp_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "plans", "ops_tokens" TO quire_cp_app;--> statement-breakpoint
GRANT SELECT, UPDATE ON "versions" TO quire_cp_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "ops_audit" TO quire_cp_app;--> statement-breakpoint
GRANT USAGE ON SEQUENCE "ops_audit_seq_seq" TO quire_cp_app;
