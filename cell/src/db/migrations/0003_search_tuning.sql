-- Search tuning, from measurements (cell/src/modules/search/README.md, bench/search/).

-- Keep the tsvector in the heap row (compressed if need be) rather than in TOAST: ranking reads
-- it for every match, and an out-of-line fetch per row tripled the cost of ranking a broad
-- match (measured: 24,500 matches of 50,000 documents, 171 ms → 64 ms). The body, read only
-- for the snippets of one page, stays EXTENDED (TOASTed first). Rows written before this keep
-- their layout until they are re-indexed.
ALTER TABLE "search_documents" ALTER COLUMN "tsv" SET STORAGE MAIN;--> statement-breakpoint

-- The GIN pending list: with fastupdate on and a 1 MB gin_pending_list_limit, bulk indexing
-- runs 2x faster and searches during a 50 docs/s ingest keep the same p50/p99; the flush (at
-- most 1 MB of entries) lands on the indexing worker. The ancestor and tag indexes get a few
-- keys per document and keep no pending list.
ALTER INDEX "search_documents_tsv_idx" SET (fastupdate = on, gin_pending_list_limit = 1024);--> statement-breakpoint

-- Custom fields: one plain comparison per key instead of a per-row jsonb_each_text sub-select;
-- direct-children scope also states the subtree condition, which the ancestor GIN index serves.
DROP FUNCTION search_match_sql(boolean, boolean, boolean, text, boolean, boolean, boolean, boolean, boolean, boolean);--> statement-breakpoint
-- The match query's text, from which conditions are present. Only fixed fragments are
-- concatenated; every value is a parameter ($1 tenant … $12 custom fields).
CREATE FUNCTION search_match_sql(p_query boolean, p_rank boolean, p_all boolean, p_scope text,
  p_tags boolean, p_author boolean, p_types boolean, p_from boolean, p_to boolean, p_custom jsonb)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public AS $$
DECLARE
  v text;
  v_key text;
BEGIN
  v := 'SELECT d.document_id, '
    || CASE WHEN p_query AND p_rank THEN 'ts_rank_cd(d.tsv, $2, 1)::float8' ELSE '0::float8' END
    || ', d.title_key, d.updated_at, d.author_id, d.type, d.tags FROM public.search_documents d WHERE d.tenant_id = $1';
  IF p_query THEN v := v || ' AND d.tsv @@ $2'; END IF;
  IF NOT p_all THEN v := v || ' AND (d.ancestor_ids && $3 OR d.document_id = ANY ($4))'; END IF;
  IF p_scope = 'subtree' THEN v := v || ' AND d.ancestor_ids @> ARRAY[$5]';
  -- Direct children also satisfy the subtree condition, which the ancestor GIN index can serve.
  ELSIF p_scope = 'children' THEN v := v || ' AND d.ancestor_ids @> ARRAY[$5] AND d.folder_id = $5'; END IF;
  IF p_tags THEN v := v || ' AND d.tags @> $6'; END IF;
  IF p_author THEN v := v || ' AND d.author_id = $7'; END IF;
  IF p_types THEN v := v || ' AND d.type = ANY ($8)'; END IF;
  IF p_from THEN v := v || ' AND d.updated_at >= $9'; END IF;
  IF p_to THEN v := v || ' AND d.updated_at < $10'; END IF;
  -- One plain comparison per custom field: the key is quoted as a literal, the value stays in $11.
  FOR v_key IN SELECT jsonb_object_keys(coalesce(p_custom, '{}'::jsonb)) ORDER BY 1 LOOP
    v := v || format(' AND (d.custom_fields ->> %L) = ($11 ->> %L)', v_key, v_key);
  END LOOP;
  RETURN v;
END $$;--> statement-breakpoint

-- The one road to full-text matching for the app role. SECURITY DEFINER (owner, who is not
-- subject to RLS on search_documents) so the planner may use the (tenant_id, tsv) GIN index;
-- the tenant comes from the transaction's app.tenant_id, never from an argument, and the
-- access filter (folder ancestry, document grants) is applied inside, before anything leaves.
CREATE OR REPLACE FUNCTION search_match(p_query tsquery, p_rank boolean, p_all boolean, p_folder_ids text[],
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
      p_updated_to IS NOT NULL, p_custom)
    USING v_tenant, p_query, coalesce(p_folder_ids, '{}'), coalesce(p_document_ids, '{}'), p_scope_folder,
      p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom;
END $$;--> statement-breakpoint

-- The plan search_match() runs, for the test that fails unless the GIN index is used.
CREATE OR REPLACE FUNCTION search_match_plan(p_query tsquery, p_rank boolean, p_all boolean, p_folder_ids text[],
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
      p_updated_to IS NOT NULL, p_custom)
    USING v_tenant, p_query, coalesce(p_folder_ids, '{}'), coalesce(p_document_ids, '{}'), p_scope_folder,
      p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom;
END $$;--> statement-breakpoint
