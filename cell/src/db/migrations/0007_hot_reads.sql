-- The hottest reads in one statement each. A request's metadata read used to be five
-- statements (begin, the tenant setting, the actor, the read, commit), and each statement
-- costs the server and the client about as much as the read itself. A function below runs
-- as the caller (the app role, RLS on), sets the tenant FIRST through tenant_enter(), then
-- checks the session and reads, all in the statement's own implicit transaction: the
-- setting is transaction-local, so it ends with the statement.

-- The one place besides withTenantTx() that sets the tenant: refuses anything that is not
-- a tenant id (the same pattern as shared/src/ids.ts TENANT_ID_PATTERN).
CREATE FUNCTION tenant_enter(p_tenant text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_tenant IS NULL OR p_tenant !~ '^ten_[a-z0-9][a-z0-9-]{0,39}$' THEN
    RAISE EXCEPTION 'tenant_enter needs a tenant id' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM set_config('app.tenant_id', p_tenant, true);
END $$;--> statement-breakpoint

-- GET /v1/documents/{id}: the caller's session and role (no row: the session is gone), then
-- the document, its current version, that version's extraction state and the best role a
-- grant gives the user or one of their groups on it or a folder above it (document columns
-- null: no such document in this tenant).
CREATE FUNCTION document_view(p_tenant text, p_user text, p_session text, p_doc text)
RETURNS TABLE (
  actor_role text, actor_groups text[],
  id text, folder_id text, title text, tags text[], custom_fields jsonb, current_version_id text,
  version_count integer, created_by text, created_ms float8, updated_ms float8, trashed_ms float8,
  v_number integer, v_filename text, v_content_type text, v_size bigint, v_sha256 text,
  v_restored_from text, v_created_by text, v_created_ms float8,
  text_status text, text_error_code text, text_error_message text, language text,
  text_truncated boolean, preview_status text, grant_role text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  PERFORM tenant_enter(p_tenant);
  RETURN QUERY
  WITH actor AS (
    SELECT u.role, coalesce(array_agg(gm.group_id) FILTER (WHERE gm.group_id IS NOT NULL), '{}') AS groups
    FROM users u
    JOIN sessions s ON s.tenant_id = u.tenant_id AND s.id = p_session AND s.user_id = u.id
    LEFT JOIN group_members gm ON gm.tenant_id = u.tenant_id AND gm.user_id = u.id
    WHERE u.id = p_user AND u.status = 'active' AND s.revoked_at IS NULL AND s.expires_at > now()
    GROUP BY u.role)
  SELECT a.role, a.groups,
         d.id, d.folder_id, d.title, d.tags, d.custom_fields, d.current_version_id, d.version_count,
         d.created_by, extract(epoch FROM d.created_at)::float8 * 1000, extract(epoch FROM d.updated_at)::float8 * 1000,
         extract(epoch FROM d.trashed_at)::float8 * 1000,
         v.number, v.filename, v.content_type, v.size, v.sha256, v.restored_from, v.created_by,
         extract(epoch FROM v.created_at)::float8 * 1000,
         x.text_status, x.text_error_code, x.text_error_message, x.language, x.text_truncated, x.preview_status,
         (SELECT g.role FROM grants g
           WHERE g.tenant_id = d.tenant_id
             AND g.resource_id = ANY (d.id || string_to_array(trim(BOTH '/' FROM coalesce(f.path, '')), '/'))
             AND g.principal_id = ANY (p_user || a.groups)
           ORDER BY CASE g.role WHEN 'owner' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END DESC LIMIT 1)
  FROM actor a
  LEFT JOIN documents d ON d.tenant_id = p_tenant AND d.id = p_doc
  LEFT JOIN folders f ON f.tenant_id = d.tenant_id AND f.id = d.folder_id
  LEFT JOIN document_versions v ON v.tenant_id = d.tenant_id AND v.id = d.current_version_id
  LEFT JOIN version_derivatives x
    ON x.tenant_id = d.tenant_id AND x.version_id = regexp_replace(v.blob_key, '^.*/', '');
END $$;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenant_enter(text), document_view(text, text, text, text) TO quire_cell_app;
