-- Ranked full-text search from a RUM index (cell/src/modules/search/README.md, "Postgres ranking").
-- RUM keeps each word's positions in the index, so the best matches come out of an ordered index
-- scan (`tsv <=> query`) without reading the heap row of every match. Measured on a
-- 100,000-document tenant: bench/search/README.md.

-- RUM is not a trusted extension: a superuser creates it in the cell database before migrations
-- run (cell/src/db/bootstrap.ts does; in production the DBA or the setup job, README "Deploying").
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum') THEN
    RAISE EXCEPTION 'the rum extension is missing: a superuser must run CREATE EXTENSION rum in this database first (node cell/src/db/setup-cli.ts does it; README "Deploying")'
      USING ERRCODE = 'feature_not_supported';
  END IF;
END $$;--> statement-breakpoint

-- A narrow heap row: the tsvector and the body move out of line (TOAST) once a row passes 1 kB, so
-- counting matches, facet samples and visibility checks touch ~0.5 kB per document instead of ~8 kB
-- (migration 0003 kept the tsvector inline because ranking read it for every match; the RUM index
-- ranks from its own copy of the positions now). Existing rows are rewritten below.
ALTER TABLE "search_documents" ALTER COLUMN "tsv" SET STORAGE EXTENDED;--> statement-breakpoint
ALTER TABLE "search_documents" SET (toast_tuple_target = 1024);--> statement-breakpoint

-- RUM's posting lists are per word across every tenant of the cell, and a second index column for
-- the tenant is walked in full (~10 ms per search of a 100,000-document tenant, measured). So each
-- document's words are stored scoped to its tenant ('ten_x/contract'), with one marker word per
-- document ('ten_x/') that a query of only exclusions starts from: a search walks only its
-- tenant's posting lists, and ranks the same (positions and weights are unchanged). Tenant ids
-- have no '/'. The engine writes tsv = search_scoped_tsv(tenant, search_build_tsv(…)); searches
-- scope their query the same way and still require tenant_id = the caller's tenant.
CREATE FUNCTION search_scope_prefix(p_tenant text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  IF p_tenant !~ '^[A-Za-z0-9_-]+$' THEN
    RAISE EXCEPTION 'search: unexpected tenant id %', p_tenant USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN p_tenant || '/';
END $$;--> statement-breakpoint

CREATE FUNCTION search_scoped_tsv(p_tenant text, p_tsv tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, public AS $$
DECLARE v_prefix text := search_scope_prefix(p_tenant);
BEGIN
  -- Every lexeme of the text form starts after a space and a quote ('it''s' doubles inner quotes).
  RETURN (replace(' ' || p_tsv::text, ' ''', ' ''' || v_prefix) || ' ''' || v_prefix || '''')::tsvector;
END $$;--> statement-breakpoint

-- A query in the same scope; with no word to require (only exclusions) it starts from the marker.
CREATE FUNCTION search_scoped_query(p_tenant text, p_query tsquery) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, public AS $$
DECLARE
  v_prefix text := search_scope_prefix(p_tenant);
  v_q tsquery := regexp_replace(p_query::text, '(^|[ (!])''', '\1''' || v_prefix, 'g')::tsquery;
BEGIN
  IF querytree(p_query) = 'T' THEN v_q := ('''' || v_prefix || '''')::tsquery && v_q; END IF;
  RETURN v_q;
END $$;--> statement-breakpoint

-- Prefix search never reaches the RUM index: RUM keeps pointers into index pages it has released
-- for the positions of prefix matches, and under concurrent writes a search crashed the server
-- (segfault in rum_ts_join_pos, reproduced in bench/search); RUM also slows down sharply with many
-- ORed words (a prefix spelled out as 64 words: ~1 s). A GIN index answers prefixes instead. It is
-- built on this identity function, so a search chooses its index by the expression it writes:
-- `tsv @@` is the RUM index, `search_gin_tsv(tsv) @@` the GIN one.
CREATE FUNCTION search_gin_tsv(p_tsv tsvector) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog AS $$
BEGIN
  RETURN p_tsv;
END $$;--> statement-breakpoint

-- What the access filter and the folder scope match on: the document's folder ancestry and its own
-- id (a grant is on a folder or on the document). Folder and document ids never collide (prefixes),
-- and both are unique across tenants.
CREATE FUNCTION search_access_keys(p_ancestor_ids text[], p_document_id text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT p_ancestor_ids || p_document_id $$;--> statement-breakpoint

-- What the other filters match on, scoped to the tenant: 'g:' tags, 'a:' the author, 'y:' the
-- type, 'c:<key length>:<key>=<value>' custom fields. A search asks for every key it requires
-- (tags, author, custom fields: all of) and for one of its types. Absent parts add no key.
CREATE FUNCTION search_filter_keys(p_tenant text, p_tags text[], p_author text, p_type text, p_custom jsonb)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, public AS $$
DECLARE
  v_prefix text := search_scope_prefix(p_tenant);
  v text[] := array(SELECT v_prefix || 'g:' || t FROM unnest(coalesce(p_tags, '{}')) t);
BEGIN
  IF p_author IS NOT NULL THEN v := v || (v_prefix || 'a:' || p_author); END IF;
  IF p_type IS NOT NULL THEN v := v || (v_prefix || 'y:' || p_type); END IF;
  IF p_custom IS NOT NULL THEN
    v := v || array(SELECT v_prefix || 'c:' || length(e.key) || ':' || e.key || '=' || e.value
      FROM jsonb_each_text(p_custom) e);
  END IF;
  RETURN v;
END $$;--> statement-breakpoint

-- Existing rows take the scoped words (and, rewritten, the narrow layout), without the GIN index
-- to maintain meanwhile.
DROP INDEX "search_documents_tsv_idx";--> statement-breakpoint
UPDATE "search_documents" SET "tsv" = search_scoped_tsv("tenant_id", "tsv");--> statement-breakpoint

-- One index answers the whole match of a search with words: the tenant's words (with positions,
-- for ranking and phrases), the access filter and folder scope, tags, author, type and custom
-- fields. Ordered by `tsv <=> query` it returns the caller's matches best first.
CREATE INDEX "search_documents_rum_idx" ON "search_documents" USING rum (
  "tsv" rum_tsvector_ops,
  (search_access_keys("ancestor_ids", "document_id")) rum_anyarray_ops,
  (search_filter_keys("tenant_id", "tags", "author_id", "type", "custom_fields")) rum_anyarray_ops);--> statement-breakpoint
-- Prefixes and searches without a word to rank by (see search_gin_tsv). The pending list as for the
-- GIN index this replaces (migration 0003).
CREATE INDEX "search_documents_gin_idx" ON "search_documents" USING gin ((search_gin_tsv("tsv")))
  WITH (fastupdate = on, gin_pending_list_limit = 1024);--> statement-breakpoint

DROP FUNCTION search_match_plan(tsquery, boolean, boolean, text[], text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, boolean);--> statement-breakpoint
DROP FUNCTION search_match(tsquery, boolean, boolean, text[], text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, text, text, text, integer);--> statement-breakpoint
DROP FUNCTION search_match_sql(boolean, boolean, boolean, text, boolean, boolean, boolean, boolean, boolean, jsonb, text, boolean, boolean);--> statement-breakpoint

-- A search statement, from which conditions are present. Only fixed fragments are concatenated;
-- every value is a parameter: $1 tenant, $2 query without its prefixes (scoped), $3 access keys,
-- $4 scope folder, $5 tags, $6 author, $7 types, $8 from, $9 to, $10 custom fields, $11/$12 keyset
-- cursor, $13 limit, $14 required filter keys, $15 type keys, $16 the prefixes, $17 the whole query
-- (scoped). p_kind: 'relevance' (best first; newest first when there is no word to rank by, only
-- prefixes or exclusions; by document id without a query), 'date', 'title' (keyset after
-- $11/$12), 'match' (the first matches found, unordered), 'count' (how many, at most $13).
-- The match: RUM (`tsv @@`) for ranking by words, with the prefixes checked on the row; GIN
-- (`search_gin_tsv(tsv) @@`) whenever prefixes must be matched by an index, or nothing ranks.
-- With a query every condition but the dates is an index condition, and the tenant is checked
-- outside the limited scan: written inside, it would offer the planner the tenant's btree walk
-- with the words as a filter, which detoasts every row's tsvector.
CREATE FUNCTION search_statement_sql(p_kind text, p_query boolean, p_rankable boolean, p_prefixes boolean,
  p_all boolean, p_scope text, p_tags boolean, p_author boolean, p_types boolean, p_from boolean,
  p_to boolean, p_custom jsonb, p_after boolean)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, public AS $$
DECLARE
  v_cols text := 'd.document_id, d.title_key, d.updated_at, d.author_id, d.type, d.tags';
  v text;
  v_key text;
  v_order text;
BEGIN
  v := ' FROM public.search_documents d WHERE ' || CASE
    WHEN NOT p_query THEN 'd.tenant_id = $1'
    WHEN p_rankable AND p_kind = 'relevance' THEN 'd.tsv @@ $2'
      || CASE WHEN p_prefixes THEN ' AND ts_match_vq(d.tsv, $16)' ELSE '' END
    WHEN p_rankable AND NOT p_prefixes THEN 'd.tsv @@ $2'
    WHEN NOT p_prefixes AND p_kind IN ('date', 'title') THEN 'd.tsv @@ $2'
    ELSE 'public.search_gin_tsv(d.tsv) @@ $17' END;
  IF NOT p_all THEN v := v || ' AND public.search_access_keys(d.ancestor_ids, d.document_id) && $3'; END IF;
  IF p_scope IN ('subtree', 'children') THEN
    v := v || ' AND public.search_access_keys(d.ancestor_ids, d.document_id) @> ARRAY[$4]';
  END IF;
  IF p_scope = 'children' THEN v := v || ' AND d.folder_id = $4'; END IF;
  IF p_query THEN
    IF p_tags OR p_author OR p_custom IS NOT NULL THEN
      v := v || ' AND public.search_filter_keys(d.tenant_id, d.tags, d.author_id, d.type, d.custom_fields) @> $14';
    END IF;
    IF p_types THEN
      v := v || ' AND public.search_filter_keys(d.tenant_id, d.tags, d.author_id, d.type, d.custom_fields) && $15';
    END IF;
  ELSE
    IF p_tags THEN v := v || ' AND d.tags @> $5'; END IF;
    IF p_author THEN v := v || ' AND d.author_id = $6'; END IF;
    IF p_types THEN v := v || ' AND d.type = ANY ($7)'; END IF;
    -- One plain comparison per custom field: the key is quoted as a literal, the value stays in $10.
    FOR v_key IN SELECT jsonb_object_keys(coalesce(p_custom, '{}'::jsonb)) ORDER BY 1 LOOP
      v := v || format(' AND (d.custom_fields ->> %L) = ($10 ->> %L)', v_key, v_key);
    END LOOP;
  END IF;
  IF p_from THEN v := v || ' AND d.updated_at >= $8'; END IF;
  IF p_to THEN v := v || ' AND d.updated_at < $9'; END IF;
  IF p_kind IN ('date', 'title') AND p_after THEN
    v := v || CASE p_kind
      WHEN 'date' THEN ' AND (d.updated_at < $11::timestamptz OR (d.updated_at = $11::timestamptz AND d.document_id > $12))'
      ELSE ' AND (d.title_key COLLATE "C" > $11 OR (d.title_key = $11 AND d.document_id > $12))' END;
  END IF;
  v_order := CASE p_kind
    WHEN 'relevance' THEN CASE WHEN NOT p_query THEN ' ORDER BY d.document_id'
      WHEN p_rankable THEN ' ORDER BY d.tsv <=> $2' ELSE ' ORDER BY d.updated_at DESC, d.document_id' END
    WHEN 'date' THEN ' ORDER BY d.updated_at DESC, d.document_id'
    WHEN 'title' THEN ' ORDER BY d.title_key COLLATE "C", d.document_id'
    WHEN 'match' THEN ''
    WHEN 'count' THEN '' END;
  IF v_order IS NULL THEN
    RAISE EXCEPTION 'search: unknown statement kind %', p_kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_kind = 'count' THEN
    RETURN 'SELECT count(*)::int FROM (SELECT d.tenant_id' || v || ' LIMIT $13) c'
      || CASE WHEN p_query THEN ' WHERE c.tenant_id = $1' ELSE '' END;
  END IF;
  IF NOT p_query THEN RETURN 'SELECT ' || v_cols || v || v_order || ' LIMIT $13'; END IF;
  RETURN 'SELECT s.document_id, s.title_key, s.updated_at, s.author_id, s.type, s.tags FROM (SELECT d.tenant_id, '
    || v_cols || v || v_order || ' LIMIT $13) s WHERE s.tenant_id = $1';
END $$;--> statement-breakpoint

-- Keeps the planner on the statement's index for searches with words (its estimates know neither
-- that RUM ranks without the heap nor that a tsvector filter detoasts every row): an ordered or
-- plain RUM index scan when words are ranked or counted by RUM, bitmap scans sorted on the narrow
-- heap otherwise; room for RUM's in-index sort of a broad match. Returns the settings to give back.
CREATE FUNCTION search_tune(p_kind text, p_query boolean, p_rankable boolean, p_prefixes boolean) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog AS $$
DECLARE
  v_saved text[] := ARRAY[current_setting('enable_bitmapscan'), current_setting('enable_indexscan'),
    current_setting('enable_seqscan'), current_setting('enable_sort'), current_setting('work_mem')];
BEGIN
  IF p_query THEN
    PERFORM set_config('enable_seqscan', 'off', true), set_config('work_mem', '16MB', true);
    IF p_rankable AND (p_kind = 'relevance' OR (p_kind IN ('match', 'count') AND NOT p_prefixes)) THEN
      PERFORM set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true);
    ELSE
      PERFORM set_config('enable_indexscan', 'off', true);
    END IF;
  END IF;
  RETURN v_saved;
END $$;--> statement-breakpoint

CREATE FUNCTION search_untune(p_saved text[]) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog AS $$
BEGIN
  PERFORM set_config('enable_bitmapscan', p_saved[1], true), set_config('enable_indexscan', p_saved[2], true),
    set_config('enable_seqscan', p_saved[3], true), set_config('enable_sort', p_saved[4], true),
    set_config('work_mem', p_saved[5], true);
END $$;--> statement-breakpoint

-- Runs (p_explain: explains) one search statement for the transaction's tenant; the body shared by
-- search_hits, search_count and search_plan. p_query is the query without its prefixes, p_prefixes
-- the prefixes (either may be NULL).
CREATE FUNCTION search_run(p_kind text, p_query tsquery, p_prefixes tsquery, p_all boolean,
  p_access_keys text[], p_scope_folder text, p_subfolders boolean, p_tags text[], p_author text,
  p_types text[], p_updated_from timestamptz, p_updated_to timestamptz, p_custom jsonb,
  p_after_key text, p_after_id text, p_limit integer, p_explain text)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
DECLARE
  v_tenant text := current_setting('app.tenant_id', true);
  v_words boolean := p_query IS NOT NULL OR p_prefixes IS NOT NULL;
  v_rankable boolean := p_query IS NOT NULL AND querytree(p_query) <> 'T';
  v_full tsquery := CASE WHEN p_prefixes IS NULL THEN p_query WHEN p_query IS NULL THEN p_prefixes
    ELSE p_query && p_prefixes END;
  v_saved text[];
BEGIN
  IF v_tenant IS NULL OR v_tenant = '' THEN
    RAISE EXCEPTION 'search needs a tenant context' USING ERRCODE = 'insufficient_privilege';
  END IF;
  v_saved := search_tune(p_kind, v_words, v_rankable, p_prefixes IS NOT NULL);
  RETURN QUERY EXECUTE coalesce(p_explain, '') || search_statement_sql(p_kind, v_words, v_rankable,
      p_prefixes IS NOT NULL, coalesce(p_all, false),
      CASE WHEN p_scope_folder IS NULL THEN 'none' WHEN p_subfolders THEN 'subtree' ELSE 'children' END,
      p_tags IS NOT NULL, p_author IS NOT NULL, p_types IS NOT NULL, p_updated_from IS NOT NULL,
      p_updated_to IS NOT NULL, p_custom, p_after_id IS NOT NULL)
    USING v_tenant, search_scoped_query(v_tenant, p_query), coalesce(p_access_keys, '{}'), p_scope_folder,
      p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom, p_after_key, p_after_id, p_limit,
      search_filter_keys(v_tenant, p_tags, p_author, NULL, p_custom),
      array(SELECT search_scope_prefix(v_tenant) || 'y:' || t FROM unnest(p_types) t),
      search_scoped_query(v_tenant, p_prefixes), search_scoped_query(v_tenant, v_full);
  PERFORM search_untune(v_saved);
END $$;--> statement-breakpoint

-- The one road to full-text matching for the app role. SECURITY DEFINER (owner, who is not
-- subject to RLS on search_documents) so the planner may use the RUM and GIN indexes; the tenant
-- comes from the transaction's app.tenant_id, never from an argument, and the access filter
-- (folder ancestry, document grants: p_access_keys) is applied inside, before anything leaves.
-- Returns at most p_limit matches of kind p_order (search_statement_sql), after the keyset cursor.
CREATE FUNCTION search_hits(p_query tsquery, p_prefixes tsquery, p_all boolean, p_access_keys text[],
  p_scope_folder text, p_subfolders boolean, p_tags text[], p_author text, p_types text[],
  p_updated_from timestamptz, p_updated_to timestamptz, p_custom jsonb, p_order text, p_after_key text,
  p_after_id text, p_limit integer)
RETURNS TABLE (document_id text, title_key text, updated_at timestamptz, author_id text, type text, tags text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF p_order IS NULL OR p_order NOT IN ('relevance', 'date', 'title', 'match') THEN
    RAISE EXCEPTION 'search_hits: unknown order %', p_order USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY SELECT * FROM search_run(p_order, p_query, p_prefixes, p_all, p_access_keys, p_scope_folder,
      p_subfolders, p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom, p_after_key, p_after_id,
      p_limit, NULL)
    AS r(document_id text, title_key text, updated_at timestamptz, author_id text, type text, tags text[]);
END $$;--> statement-breakpoint

-- How many documents match (the same filters as search_hits), counting at most p_cap.
CREATE FUNCTION search_count(p_query tsquery, p_prefixes tsquery, p_all boolean, p_access_keys text[],
  p_scope_folder text, p_subfolders boolean, p_tags text[], p_author text, p_types text[],
  p_updated_from timestamptz, p_updated_to timestamptz, p_custom jsonb, p_cap integer)
RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN (SELECT r.n FROM search_run('count', p_query, p_prefixes, p_all, p_access_keys, p_scope_folder,
      p_subfolders, p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom, NULL, NULL, p_cap, NULL)
    AS r(n integer));
END $$;--> statement-breakpoint

-- The plan of a search_hits call (p_order 'count': of search_count), for the tests that fail
-- unless the intended index serves it, and for bench/search.
CREATE FUNCTION search_plan(p_query tsquery, p_prefixes tsquery, p_all boolean, p_access_keys text[],
  p_scope_folder text, p_subfolders boolean, p_tags text[], p_author text, p_types text[],
  p_updated_from timestamptz, p_updated_to timestamptz, p_custom jsonb, p_order text, p_limit integer,
  p_analyze boolean)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  RETURN QUERY SELECT r.line FROM search_run(p_order, p_query, p_prefixes, p_all, p_access_keys,
      p_scope_folder, p_subfolders, p_tags, p_author, p_types, p_updated_from, p_updated_to, p_custom, NULL,
      NULL, p_limit, CASE WHEN p_analyze THEN 'EXPLAIN (ANALYZE, BUFFERS) ' ELSE 'EXPLAIN ' END)
    AS r(line text);
END $$;--> statement-breakpoint

-- The part of a body a snippet is cut from: p_window characters from a little before the first
-- match of one of the query's phrases (else words) in the first 30,000 characters (both are
-- case-insensitive regular expressions the engine builds, postgres-search.ts), without the partial
-- words at its edges; the body's start when nothing matches there. ts_headline parses and stems
-- every word it is given (~0.3 ms for 2.7 kB), so it gets this window (~0.1 ms), not the body, and
-- substr reads only the TOAST chunks it needs.
CREATE FUNCTION search_snippet_source(p_body text, p_phrases text, p_words text, p_window integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
  SELECT CASE WHEN x.start > 1 THEN regexp_replace(w.text, '^\S*\s+', '') ELSE w.text END
  FROM (SELECT greatest(1, coalesce(
      nullif(regexp_instr(substr(p_body, 1, 30000), p_phrases, 1, 1, 0, 'i'), 0),
      nullif(regexp_instr(substr(p_body, 1, 30000), p_words, 1, 1, 0, 'i'), 0), 1) - p_window / 5) AS start) x,
    LATERAL (SELECT CASE WHEN length(s) = p_window THEN regexp_replace(s, '\s+\S*$', '') ELSE s END AS text
      FROM substr(p_body, x.start, p_window) s) w
$$;--> statement-breakpoint

REVOKE ALL ON FUNCTION search_run(text, tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, text, text, integer, text) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION search_hits(tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, text, text, text, integer) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION search_count(tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, integer) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION search_plan(tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, text, integer, boolean) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION search_hits(tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, text, text, text, integer),
  search_count(tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, integer),
  search_plan(tsquery, tsquery, boolean, text[], text, boolean, text[], text, text[], timestamptz, timestamptz, jsonb, text, integer, boolean)
  TO quire_cell_app;
