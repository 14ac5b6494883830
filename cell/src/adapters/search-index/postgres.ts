import type { IsolationTier } from '@quire/shared/plans';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import {
  cleanIndexText,
  emptyResult,
  FACET_SIZE,
  FRAGMENT_SEPARATOR,
  LT_STAND_IN,
  MARK_CLOSE,
  MARK_OPEN,
  MAX_SNIPPETS,
  markedToHtml,
  parseAfter,
  textSearchConfig,
  titleSortKey,
} from './common.ts';
import {
  type Facet,
  type IndexedDocument,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
  SearchTimeoutError,
  TOTAL_COUNT_CAP,
} from './port.ts';

/** The engine indexes (and stores for snippets) at most this much of a body. */
export const MAX_BODY_CHARS = 1_000_000;
/** Snippets are cut from the start of the body only: ts_headline re-parses what it is given. */
const SNIPPET_SOURCE_CHARS = 30_000;
/** An upsert statement carries at most this much JSON. */
const UPSERT_BATCH_BYTES = 8 * 1024 * 1024;

const HEADLINE_OPTIONS = [
  `StartSel="${MARK_OPEN}"`,
  `StopSel="${MARK_CLOSE}"`,
  `FragmentDelimiter="${FRAGMENT_SEPARATOR}"`,
  `MaxFragments=${MAX_SNIPPETS}`,
  'MaxWords=30',
  'MinWords=10',
].join(', ');

/**
 * Postgres full-text search, the embedded default: the `search_documents` table of the
 * cell's own database (migrations 0002_search.sql, 0003_search_tuning.sql). Writes go through the app role under RLS;
 * matching goes through `search_match()`, a SECURITY DEFINER function that applies the
 * tenant (from the transaction's app.tenant_id) and the access filter itself, so the planner
 * may use the (tenant_id, tsv) GIN index that RLS would forbid it (README: "the RLS trap").
 * Facets are SQL aggregates over the complete permission-filtered match set; the total is
 * counted up to TOTAL_COUNT_CAP.
 */
export class PostgresSearchIndex implements SearchIndex {
  readonly engine = 'postgres' as const;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** One shared table for every tier: nothing to prepare. */
  async ensureTenant(_tenantId: string, _tier: IsolationTier): Promise<void> {}

  async upsert(tenantId: string, docs: IndexedDocument[]): Promise<void> {
    const byId = new Map<string, IndexedDocument>();
    for (const d of docs) {
      if (d.tenantId !== tenantId) throw new Error('upsert: a document of another tenant was passed');
      byId.set(d.documentId, d);
    }
    let batch: object[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const json = JSON.stringify(batch);
      batch = [];
      bytes = 0;
      await withTenantTx(this.db, tenantId, (tx) => upsertRows(tx, tenantId, json));
    };
    for (const d of byId.values()) {
      const row = toRow(d);
      const size = row.body.length * 2 + 2048;
      if (bytes + size > UPSERT_BATCH_BYTES) await flush();
      batch.push(row);
      bytes += size;
    }
    await flush();
  }

  async remove(tenantId: string, documentIds: string[]): Promise<void> {
    if (documentIds.length === 0) return;
    await withTenantTx(this.db, tenantId, (tx) =>
      tx.execute(sql`delete from search_documents
        where tenant_id = ${tenantId} and document_id = any(${textArray(documentIds)}::text[])`),
    );
  }

  async search(tenantId: string, query: SearchQuery): Promise<SearchResult> {
    const after = parseAfter(query.sort, query.after);
    const { terms, phrases, prefixes, excludes } = query.text;
    const hasText = terms.length + phrases.length + prefixes.length + excludes.length > 0;
    try {
      return await withTenantTx(this.db, tenantId, async (tx) => {
        // JIT compiles a broad match's plan in ~0.4 s and gains nothing back (1,000,000 documents,
        // a word in 472,000 of them, ranked: 1.91 s with, 1.53 s without): off for this transaction.
        const [prep] = await tx.execute<{ q: string | null }>(sql`
          select set_config('statement_timeout', ${String(Math.max(1, Math.round(query.timeoutMs)))}, true),
            set_config('jit', 'off', true),
            ${
              hasText
                ? sql`search_text_query(
                    array(select language from search_languages where tenant_id = ${tenantId} order by 1),
                    ${textArray(terms)}::text[], ${textArray(phrases)}::text[],
                    ${textArray(prefixes)}::text[], ${textArray(excludes)}::text[])::text`
                : sql`null::text`
            } as q`);
        const q = prep?.q ?? null;
        // Words that normalise to nothing (only stopwords, or no documents yet) match nothing.
        if (hasText && q === null) return emptyResult(query.facets);
        return runSearch(tx, tenantId, query, q, after);
      });
    } catch (err) {
      if (pgCode(err) === '57014') throw new SearchTimeoutError(query.timeoutMs);
      throw err;
    }
  }

  async listIndexed(tenantId: string, afterDocumentId: string | null, limit: number) {
    const rows = await withTenantTx(this.db, tenantId, (tx) =>
      tx.execute<{ document_id: string; version_id: string; updated_at: string; ancestor_ids: string[] }>(sql`
        select document_id, version_id, updated_at, ancestor_ids from search_documents
        where tenant_id = ${tenantId} and document_id > ${afterDocumentId ?? ''}
        order by document_id limit ${limit}`),
    );
    return rows.map((r) => ({
      documentId: r.document_id,
      versionId: r.version_id,
      updatedAt: new Date(r.updated_at),
      ancestorIds: r.ancestor_ids,
    }));
  }

  async dropTenant(tenantId: string): Promise<void> {
    await withTenantTx(this.db, tenantId, async (tx) => {
      await tx.execute(sql`delete from search_documents where tenant_id = ${tenantId}`);
      await tx.execute(sql`delete from search_languages where tenant_id = ${tenantId}`);
    });
  }

  /** The pool belongs to the cell. */
  async close(): Promise<void> {}
}

function toRow(d: IndexedDocument) {
  return {
    document_id: d.documentId,
    version_id: d.versionId,
    title: cleanIndexText(d.title),
    title_key: titleSortKey(cleanIndexText(d.title)),
    filename: cleanIndexText(d.filename),
    tags: d.tags.map(cleanIndexText),
    body: cleanIndexText(d.body.length > MAX_BODY_CHARS ? d.body.slice(0, MAX_BODY_CHARS) : d.body),
    folder_id: d.folderId,
    ancestor_ids: d.ancestorIds,
    author_id: d.authorId,
    type: d.type,
    content_type: d.contentType,
    custom_fields: d.customFields,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    language: textSearchConfig(d.language),
  };
}

async function upsertRows(tx: Tx, tenantId: string, json: string) {
  await tx.execute(sql`
    with x as (
      select * from jsonb_to_recordset(${json}::jsonb) as x(document_id text, version_id text, title text,
        title_key text, filename text, tags text[], body text, folder_id text, ancestor_ids text[],
        author_id text, type text, content_type text, custom_fields jsonb, created_at timestamptz,
        updated_at timestamptz, language text)
    ), langs as (
      insert into search_languages (tenant_id, language)
      select distinct ${tenantId}, language from x
      on conflict do nothing
    )
    insert into search_documents (tenant_id, document_id, version_id, title, title_key, filename, tags, body,
      folder_id, ancestor_ids, author_id, type, content_type, custom_fields, created_at, updated_at, language,
      tsv, indexed_at)
    select ${tenantId}, x.document_id, x.version_id, x.title, x.title_key, x.filename, x.tags, x.body,
      x.folder_id, x.ancestor_ids, x.author_id, x.type, x.content_type, x.custom_fields, x.created_at,
      x.updated_at, x.language, search_build_tsv(x.language, x.title, x.filename, x.tags, x.body), now()
    from x
    on conflict (tenant_id, document_id) do update set
      version_id = excluded.version_id, title = excluded.title, title_key = excluded.title_key,
      filename = excluded.filename, tags = excluded.tags, body = excluded.body, folder_id = excluded.folder_id,
      ancestor_ids = excluded.ancestor_ids, author_id = excluded.author_id, type = excluded.type,
      content_type = excluded.content_type, custom_fields = excluded.custom_fields,
      created_at = excluded.created_at, updated_at = excluded.updated_at, language = excluded.language,
      tsv = excluded.tsv, indexed_at = excluded.indexed_at`);
}

const ORDER: Record<SearchQuery['sort'], { by: (a: string) => SQL }> = {
  relevance: { by: (a) => sql.raw(`${a}.rank desc, ${a}.document_id`) },
  date: { by: (a) => sql.raw(`${a}.updated_at desc, ${a}.document_id`) },
  title: { by: (a) => sql.raw(`${a}.title_key collate "C", ${a}.document_id`) },
};

function keyset(sort: SearchQuery['sort'], after: ReturnType<typeof parseAfter>): SQL {
  if (!after) return sql`true`;
  const [key, id] = after;
  if (sort === 'relevance')
    return sql`(m.rank < ${key}::float8 or (m.rank = ${key}::float8 and m.document_id > ${id}))`;
  if (sort === 'date')
    return sql`(m.updated_at < ${key}::timestamptz or (m.updated_at = ${key}::timestamptz and m.document_id > ${id}))`;
  return sql`(m.title_key collate "C" > ${key} or (m.title_key = ${key} and m.document_id > ${id}))`;
}

const FACET_SQL: Record<Facet, SQL> = {
  tags: sql`select t as v, count(*) as n from m, unnest(m.tags) t group by t`,
  author: sql`select author_id as v, count(*) as n from m group by author_id`,
  type: sql`select type as v, count(*) as n from m group by type`,
  year: sql`select extract(year from updated_at at time zone 'UTC')::int::text as v, count(*) as n from m group by 1`,
};

function facetColumn(facet: Facet, requested: Facet[]): SQL {
  if (!requested.includes(facet)) return sql`null::json`;
  return sql`(select coalesce(json_agg(json_build_object('value', f.v, 'count', f.n)
      order by f.n desc, f.v collate "C"), '[]'::json)
    from (select g.v, g.n from (${FACET_SQL[facet]}) g order by g.n desc, g.v collate "C" limit ${FACET_SIZE}) f)`;
}

interface HitRow {
  document_id: string;
  rank: number;
  version_id: string;
  title: string;
  title_key: string;
  filename: string;
  folder_id: string | null;
  author_id: string;
  type: string;
  tags: string[];
  updated_at: string;
  snippet: string | null;
}

async function runSearch(
  tx: Tx,
  tenantId: string,
  query: SearchQuery,
  q: string | null,
  after: ReturnType<typeof parseAfter>,
): Promise<SearchResult> {
  const { access, filters } = query;
  const scoped = filters.folderId !== undefined;
  const custom = filters.customFields
    ? Object.fromEntries(Object.entries(filters.customFields).map(([k, v]) => [k, String(v)]))
    : null;
  const order = ORDER[query.sort];
  const snippet = q
    ? sql`ts_headline(d.language::regconfig, replace(left(d.body, ${SNIPPET_SOURCE_CHARS}), '<', ${LT_STAND_IN}),
        ${q}::tsquery, ${HEADLINE_OPTIONS})`
    : sql`null::text`;
  // The match's arguments; `paging` adds the order, cursor and limit (migration 0004).
  const matchArgs = (rank: boolean, paging: SQL | null) => sql`${q}::tsquery, ${rank}, ${access.all},
        ${access.all ? null : textArray(access.folderIds)}::text[],
        ${access.all ? null : textArray(access.documentIds)}::text[],
        ${scoped ? filters.folderId : null}::text, ${filters.includeSubfolders !== false},
        ${filters.tags?.length ? textArray(filters.tags) : null}::text[],
        ${filters.authorId ?? null}::text,
        ${filters.types?.length ? textArray(filters.types) : null}::text[],
        ${filters.updatedFrom?.toISOString() ?? null}::timestamptz,
        ${filters.updatedTo?.toISOString() ?? null}::timestamptz,
        ${custom ? JSON.stringify(custom) : null}::jsonb${paging ? sql`, ${paging}` : sql``}`;
  const relevance = query.sort === 'relevance';
  const hitsColumn = (
    page: SQL,
  ) => sql`(select coalesce(json_agg(h order by ${order.by('h')}), '[]'::json) from (
        select p.document_id, p.rank, p.updated_at, p.title_key, d.version_id, d.title, d.filename, d.folder_id,
          d.author_id, d.type, d.tags, ${snippet} as snippet
        from (${page}) p join search_documents d on d.tenant_id = ${tenantId} and d.document_id = p.document_id
      ) h)`;
  // Without facets nothing needs the whole match set: the page is ordered and cut inside the
  // match query (an index walk for newest first), the total counted up to the cap.
  const statement =
    query.facets.length === 0
      ? sql`
    select (select count(*) from search_match(${matchArgs(false, sql`null::text, null::text, null::text, ${TOTAL_COUNT_CAP + 1}::int`)}))::int as total,
      null::json as tags, null::json as author, null::json as type, null::json as year,
      ${hitsColumn(
        sql`select * from search_match(${matchArgs(
          relevance,
          sql`${query.sort}::text, ${after ? String(after[0]) : null}::text, ${after ? after[1] : null}::text,
          ${query.limit + 1}::int`,
        )})`,
      )} as hits`
      : sql`
    with m as materialized (
      select * from search_match(${matchArgs(relevance, null)})
    ), page as (
      select * from m where ${keyset(query.sort, after)} order by ${order.by('m')} limit ${query.limit + 1}
    )
    select (select count(*) from (select 1 from m limit ${TOTAL_COUNT_CAP + 1}) c)::int as total,
      ${facetColumn('tags', query.facets)} as tags,
      ${facetColumn('author', query.facets)} as author,
      ${facetColumn('type', query.facets)} as type,
      ${facetColumn('year', query.facets)} as year,
      ${hitsColumn(sql`select * from page`)} as hits`;
  const [row] = await tx.execute<{
    total: number;
    tags: { value: string; count: number }[] | null;
    author: { value: string; count: number }[] | null;
    type: { value: string; count: number }[] | null;
    year: { value: string; count: number }[] | null;
    hits: HitRow[];
  }>(statement);
  if (!row) return emptyResult(query.facets);
  const more = row.hits.length > query.limit;
  const hits = row.hits.slice(0, query.limit).map(toHit);
  const last = hits.at(-1);
  const lastRow = row.hits[hits.length - 1];
  const facets: SearchResult['facets'] = {};
  for (const f of query.facets) facets[f] = (row[f] ?? []).map((x) => ({ value: x.value, count: x.count }));
  return {
    hits,
    total: Math.min(row.total, TOTAL_COUNT_CAP),
    totalRelation: row.total > TOTAL_COUNT_CAP ? 'gte' : 'eq',
    facets,
    next:
      more && last && lastRow
        ? query.sort === 'relevance'
          ? [lastRow.rank, last.documentId]
          : query.sort === 'date'
            ? [last.updatedAt.toISOString(), last.documentId]
            : [lastRow.title_key, last.documentId]
        : null,
  };
}

function toHit(r: HitRow): SearchHit {
  return {
    documentId: r.document_id,
    versionId: r.version_id,
    title: r.title,
    filename: r.filename,
    folderId: r.folder_id,
    authorId: r.author_id,
    type: r.type,
    tags: r.tags,
    updatedAt: new Date(r.updated_at),
    score: r.rank,
    snippets: r.snippet
      ? r.snippet
          .split(FRAGMENT_SEPARATOR)
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
          .slice(0, MAX_SNIPPETS)
          .map((s) => markedToHtml(s.split(LT_STAND_IN).join('<')))
      : [],
  };
}

/** A text[] literal for binding a list as one parameter (the driver would expand a JS array). */
export function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

function pgCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
