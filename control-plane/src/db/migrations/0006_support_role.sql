-- A read-only ops role: support staff see tenants, cells, plans and flags, and change nothing.
ALTER TABLE "ops_tokens" DROP CONSTRAINT "ops_tokens_role_chk";--> statement-breakpoint
ALTER TABLE "ops_tokens" ADD CONSTRAINT "ops_tokens_role_chk" CHECK ("role" IN ('support', 'sales-ops', 'platform-admin'));
