ALTER TABLE "cells" ADD COLUMN "search_engine" text;--> statement-breakpoint
ALTER TABLE "cells" ADD COLUMN "max_tenant_documents" bigint;--> statement-breakpoint
-- What a cell's search engine can serve (its heartbeat says; null engine = a cell older than that).
ALTER TABLE "cells" ADD CONSTRAINT "cells_search_engine_chk" CHECK ("search_engine" IS NULL OR "search_engine" IN ('postgres', 'opensearch'));--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_max_tenant_documents_chk" CHECK ("max_tenant_documents" IS NULL OR ("search_engine" IS NOT NULL AND "max_tenant_documents" > 0));
