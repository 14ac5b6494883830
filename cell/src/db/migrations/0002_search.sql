CREATE TABLE "search_documents" (
	"tenant_id" text NOT NULL,
	"document_id" text NOT NULL,
	"version_id" text NOT NULL,
	"title" text NOT NULL,
	"title_key" text NOT NULL,
	"filename" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"body" text NOT NULL,
	"folder_id" text,
	"ancestor_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"author_id" text NOT NULL,
	"type" text NOT NULL,
	"content_type" text NOT NULL,
	"custom_fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"language" text NOT NULL,
	"tsv" "tsvector" NOT NULL,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "search_documents_tenant_id_document_id_pk" PRIMARY KEY("tenant_id","document_id")
);
--> statement-breakpoint
CREATE TABLE "search_languages" (
	"tenant_id" text NOT NULL,
	"language" text NOT NULL,
	CONSTRAINT "search_languages_tenant_id_language_pk" PRIMARY KEY("tenant_id","language")
);
--> statement-breakpoint
CREATE TABLE "search_outbox" (
	"tenant_id" text NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "search_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"resource_id" text NOT NULL,
	"reason" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "search_outbox_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "search_outbox_tenants" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"pending" boolean DEFAULT true NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "version_derivatives" (
	"tenant_id" text NOT NULL,
	"version_id" text NOT NULL,
	"document_id" text NOT NULL,
	"text_status" text NOT NULL,
	"text_error_code" text,
	"text_error_message" text,
	"text_blob_key" text,
	"text_wrapped_key" "bytea",
	"text_key_ref" text,
	"text_bytes" integer,
	"text_truncated" boolean DEFAULT false NOT NULL,
	"language" text,
	"preview_status" text,
	"preview_blob_key" text,
	"preview_wrapped_key" "bytea",
	"preview_key_ref" text,
	"preview_width" integer,
	"preview_height" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "version_derivatives_tenant_id_version_id_pk" PRIMARY KEY("tenant_id","version_id")
);
--> statement-breakpoint
CREATE INDEX "search_documents_updated_idx" ON "search_documents" USING btree ("tenant_id","updated_at","document_id");--> statement-breakpoint
CREATE INDEX "search_outbox_claim_idx" ON "search_outbox" USING btree ("tenant_id","available_at","id");--> statement-breakpoint

-- ─── Search: outbox, derivatives, the Postgres engine's index. Hand-written below this line. ───

ALTER TABLE "search_outbox" ADD CONSTRAINT "search_outbox_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "search_outbox" ADD CONSTRAINT "search_outbox_kind_ck" CHECK ("kind" IN ('document', 'folder'));--> statement-breakpoint
ALTER TABLE "search_outbox_tenants" ADD CONSTRAINT "search_outbox_tenants_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id");--> statement-breakpoint
ALTER TABLE "version_derivatives" ADD CONSTRAINT "version_derivatives_version_fk" FOREIGN KEY ("tenant_id", "version_id") REFERENCES "document_versions"("tenant_id", "id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "version_derivatives" ADD CONSTRAINT "version_derivatives_text_status_ck" CHECK ("text_status" IN ('pending', 'done', 'failed', 'unsupported'));--> statement-breakpoint
ALTER TABLE "version_derivatives" ADD CONSTRAINT "version_derivatives_preview_status_ck" CHECK ("preview_status" IN ('pending', 'done', 'none', 'failed'));--> statement-breakpoint

-- Tenant tables: ENABLE + FORCE row-level security, as everywhere else.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['search_outbox', 'version_derivatives', 'search_languages']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
      WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)))$p$, t);
  END LOOP;
END $$;--> statement-breakpoint

-- The engine's index: RLS ENABLED for the app role (every read and write it makes is
-- tenant-filtered by the policy), but not FORCED, so the owner-defined search_match()
-- below can plan full-text conditions over the GIN index. Under RLS the planner must not
-- use `@@` (not LEAKPROOF) as an index condition, and falls back to filtering every row of
-- the tenant; search_match() applies the tenant predicate itself instead (see the README).
ALTER TABLE "search_documents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY tenant_isolation ON "search_documents"
  USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
  WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));--> statement-breakpoint

-- btree_gin (a trusted extension: the database owner may create it) lets one GIN index lead
-- with the tenant: a search touches only its tenant's posting lists.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
-- fastupdate off: no pending list, so no query pays for flushing another writer's backlog
-- (measured in bench/search: see modules/search/README.md).
CREATE INDEX "search_documents_tsv_idx" ON "search_documents" USING gin ("tenant_id", "tsv") WITH (fastupdate = off);--> statement-breakpoint
CREATE INDEX "search_documents_ancestors_idx" ON "search_documents" USING gin ("tenant_id", "ancestor_ids") WITH (fastupdate = off);--> statement-breakpoint
CREATE INDEX "search_documents_tags_idx" ON "search_documents" USING gin ("tenant_id", "tags") WITH (fastupdate = off);--> statement-breakpoint

GRANT SELECT, INSERT, UPDATE, DELETE ON "search_outbox", "version_derivatives", "search_documents", "search_languages" TO quire_cell_app;--> statement-breakpoint
-- The doorbell table holds tenant ids and counters only; no RLS so the worker can find work.
GRANT SELECT, INSERT, UPDATE ON "search_outbox_tenants" TO quire_cell_app;--> statement-breakpoint

-- Every outbox insert marks its tenant pending and bumps seq, in the same transaction.
CREATE FUNCTION search_outbox_ring() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO search_outbox_tenants AS t (tenant_id, seq, pending, changed_at)
    SELECT DISTINCT n.tenant_id, 1, true, now() FROM new_rows n
  ON CONFLICT (tenant_id) DO UPDATE SET seq = t.seq + 1, pending = true, changed_at = now();
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER search_outbox_ring AFTER INSERT ON "search_outbox"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_ring();--> statement-breakpoint

-- The document's tsvector: title and file name (A) > tags (B) > body (C), in the document's
-- text-search configuration. A body whose tsvector would pass Postgres' 1 MB limit is halved
-- until it fits (the index then holds a prefix of a very long text).
CREATE FUNCTION search_build_tsv(p_lang text, p_title text, p_filename text, p_tags text[], p_body text)
RETURNS tsvector LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
  v_cfg regconfig := p_lang::regconfig;
  v_head tsvector;
  v_body text := p_body;
BEGIN
  v_head := setweight(to_tsvector(v_cfg, p_title || ' ' || regexp_replace(p_filename, '[._-]+', ' ', 'g')), 'A')
    || setweight(to_tsvector(v_cfg, array_to_string(p_tags, ' ')), 'B');
  LOOP
    BEGIN
      RETURN v_head || setweight(to_tsvector(v_cfg, v_body), 'C');
    EXCEPTION WHEN program_limit_exceeded THEN
      v_body := left(v_body, length(v_body) / 2);
    END;
  END LOOP;
END $$;--> statement-breakpoint

-- The free-text part of a query as one tsquery, for every configuration the tenant's
-- documents use: each required word, phrase or prefix is an OR over the configurations'
-- normalisations, each exclusion a NOT over the same. A clause that is a stopword in one of
-- the configurations is dropped (as Postgres drops stopwords from a query): it could not be
-- required of that configuration's documents. NULL when no clause is left.
CREATE FUNCTION search_text_query(p_langs text[], p_terms text[], p_phrases text[], p_prefixes text[], p_excludes text[])
RETURNS tsquery LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
  v_acc tsquery;
  v_part tsquery;
  v_q tsquery;
  v_seen tsquery[];
  v_cfg text;
  v_kind text;
  v_text text;
BEGIN
  FOR v_kind, v_text IN
    SELECT 'term', x FROM unnest(coalesce(p_terms, '{}')) x
    UNION ALL SELECT 'phrase', x FROM unnest(coalesce(p_phrases, '{}')) x
    UNION ALL SELECT 'prefix', x FROM unnest(coalesce(p_prefixes, '{}')) x
    UNION ALL SELECT 'exclude', x FROM unnest(coalesce(p_excludes, '{}')) x
  LOOP
    v_part := NULL;
    v_seen := '{}';
    FOREACH v_cfg IN ARRAY p_langs LOOP
      v_q := CASE v_kind
        WHEN 'term' THEN plainto_tsquery(v_cfg::regconfig, v_text)
        WHEN 'prefix' THEN to_tsquery(v_cfg::regconfig, quote_literal(v_text) || ':*')
        ELSE phraseto_tsquery(v_cfg::regconfig, v_text) END;
      IF numnode(v_q) = 0 THEN
        v_part := NULL;
        EXIT;
      END IF;
      IF NOT (v_q = ANY (v_seen)) THEN
        v_seen := v_seen || v_q;
        v_part := CASE WHEN v_part IS NULL THEN v_q ELSE v_part || v_q END;
      END IF;
    END LOOP;
    IF v_part IS NOT NULL THEN
      IF v_kind = 'exclude' THEN v_part := !! v_part; END IF;
      v_acc := CASE WHEN v_acc IS NULL THEN v_part ELSE v_acc && v_part END;
    END IF;
  END LOOP;
  RETURN v_acc;
END $$;--> statement-breakpoint

-- The match query's text, from which conditions are present. Only fixed fragments are
-- concatenated; every value is a parameter ($1 tenant … $12 custom fields).
CREATE FUNCTION search_match_sql(p_query boolean, p_rank boolean, p_all boolean, p_scope text,
  p_tags boolean, p_author boolean, p_types boolean, p_from boolean, p_to boolean, p_custom boolean)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public AS $$
DECLARE v text;
BEGIN
  v := 'SELECT d.document_id, '
    || CASE WHEN p_query AND p_rank THEN 'ts_rank_cd(d.tsv, $2, 1)::float8' ELSE '0::float8' END
    || ', d.title_key, d.updated_at, d.author_id, d.type, d.tags FROM public.search_documents d WHERE d.tenant_id = $1';
  IF p_query THEN v := v || ' AND d.tsv @@ $2'; END IF;
  IF NOT p_all THEN v := v || ' AND (d.ancestor_ids && $3 OR d.document_id = ANY ($4))'; END IF;
  IF p_scope = 'subtree' THEN v := v || ' AND d.ancestor_ids @> ARRAY[$5]';
  ELSIF p_scope = 'children' THEN v := v || ' AND d.folder_id = $5'; END IF;
  IF p_tags THEN v := v || ' AND d.tags @> $6'; END IF;
  IF p_author THEN v := v || ' AND d.author_id = $7'; END IF;
  IF p_types THEN v := v || ' AND d.type = ANY ($8)'; END IF;
  IF p_from THEN v := v || ' AND d.updated_at >= $9'; END IF;
  IF p_to THEN v := v || ' AND d.updated_at < $10'; END IF;
  IF p_custom THEN
    v := v || ' AND NOT EXISTS (SELECT 1 FROM jsonb_each_text($11) c WHERE (d.custom_fields ->> c.key) IS DISTINCT FROM c.value)';
  END IF;
  RETURN v;
END $$;--> statement-breakpoint

-- The one road to full-text matching for the app role. SECURITY DEFINER (owner, who is not
-- subject to RLS on search_documents) so the planner may use the (tenant_id, tsv) GIN index;
-- the tenant comes from the transaction's app.tenant_id, never from an argument, and the
-- access filter (folder ancestry, document grants) is applied inside, before anything leaves.
CREATE FUNCTION search_match(p_query tsquery, p_rank boolean, p_all boolean, p_folder_ids text[],
  p_document_ids text[], p_scope_folder text, p_subfolders boolean, p_tags text[], p_author text,
  p_types text[], p_updated_from timestamptz, p_updated_to timestamptz, p_custom jsonb)
RETURNS TABLE (document_id text, rank float8, title_key text, updated_at timestamptz, author_id text, type text, tags text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE v_tenant text := current_setting('app.tenant_id', true);
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN
    RAISE EXCEPTION 'search_match needs a tenant context' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY EXECUTE search_match_sql(p_query IS NOT NULL, p_rank, coalesce(p_all, false),
      CASE WHEN p_scope_folder IS NULL THEN 'none' WHEN p_subfolders THEN 'subtree' ELSE 'children' END,
      p_tags IS NOT NULL, p_author IS NOT NULL, p_types IS NOT NULL, p_updated_from IS NOT NULL,
      p_updated_to IS NOT NULL, p_custom IS NOT NULL)
    USING v_tenant, p_query, coalesce(p_folder_ids, '{}'), coalesce(p_document_ids, '{}'), p_scope_folder,
      p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom;
END $$;--> statement-breakpoint

-- The plan search_match() runs, for the test that fails unless the GIN index is used.
CREATE FUNCTION search_match_plan(p_query tsquery, p_rank boolean, p_all boolean, p_folder_ids text[],
  p_document_ids text[], p_scope_folder text, p_subfolders boolean, p_tags text[], p_author text,
  p_types text[], p_updated_from timestamptz, p_updated_to timestamptz, p_custom jsonb, p_analyze boolean)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE v_tenant text := current_setting('app.tenant_id', true);
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN
    RAISE EXCEPTION 'search_match_plan needs a tenant context' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY EXECUTE (CASE WHEN p_analyze THEN 'EXPLAIN (ANALYZE, BUFFERS) ' ELSE 'EXPLAIN ' END)
      || search_match_sql(p_query IS NOT NULL, p_rank, coalesce(p_all, false),
      CASE WHEN p_scope_folder IS NULL THEN 'none' WHEN p_subfolders THEN 'subtree' ELSE 'children' END,
      p_tags IS NOT NULL, p_author IS NOT NULL, p_types IS NOT NULL, p_updated_from IS NOT NULL,
      p_updated_to IS NOT NULL, p_custom IS NOT NULL)
    USING v_tenant, p_query, coalesce(p_folder_ids, '{}'), coalesce(p_document_ids, '{}'), p_scope_folder,
      p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom;
END $$;--> statement-breakpoint

REVOKE ALL ON FUNCTION search_match(tsquery, boolean, boolean, text[], text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION search_match_plan(tsquery, boolean, boolean, text[], text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, boolean) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION search_match(tsquery, boolean, boolean, text[], text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb),
  search_match_plan(tsquery, boolean, boolean, text[], text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, boolean),
  search_build_tsv(text, text, text, text[], text), search_text_query(text[], text[], text[], text[], text[])
  TO quire_cell_app;
