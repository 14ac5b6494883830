import type { IsolationTier } from '@quire/shared/plans';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { type Tx, withTenantTx } from '../../db/tenant-tx.ts';
import { cleanIndexText, emptyResult, indexedBody, textSearchConfig, titleSortKey } from './common.ts';
import {
  type IndexedDocument,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
  SearchTimeoutError,
} from './port.ts';
import { runSearch, textArray } from './postgres-search.ts';

/** The engine indexes (and stores for snippets) at most this much of a body. */
export const MAX_BODY_CHARS = 1_000_000;
/** An upsert statement carries at most this much JSON. */
const UPSERT_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Postgres full-text search, the embedded default: the `search_documents` table of the
 * cell's own database (migrations 0002_search.sql … 0006_search_rum.sql). Writes go through the app
 * role under RLS; matching goes through `search_hits()` and `search_count()`, SECURITY DEFINER
 * functions that apply the tenant (from the transaction's app.tenant_id) and the access filter
 * themselves, so the planner may use the RUM index that RLS would forbid it (README: "the RLS
 * trap"). How a search reads: postgres-search.ts.
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
    const { terms, phrases, prefixes, excludes } = query.text;
    const hasText = terms.length + phrases.length + prefixes.length + excludes.length > 0;
    try {
      return await withTenantTx(this.db, tenantId, async (tx) => {
        // The whole query (snippets), the query without its prefixes (RUM ranks by it) and the
        // prefixes alone (never given to RUM: migration 0006), for every language of the tenant.
        const text = (t: string[], ph: string[], pr: string[], ex: string[]) => sql`search_text_query(
          array(select language from search_languages where tenant_id = ${tenantId} order by 1),
          ${textArray(t)}::text[], ${textArray(ph)}::text[], ${textArray(pr)}::text[], ${textArray(ex)}::text[])`;
        // JIT compiles a broad match's plan in ~0.4 s and gains nothing back (1,000,000 documents,
        // a word in 472,000 of them, ranked: 1.91 s with, 1.53 s without): off for this transaction.
        const [prep] = await tx.execute<{
          full: string | null;
          words: string | null;
          prefixes: string | null;
          ranked: string | null;
        }>(sql`with p as (
          select set_config('statement_timeout', ${String(Math.max(1, Math.round(query.timeoutMs)))}, true),
            set_config('jit', 'off', true))
          select full_q::text as full, words_q::text as words, prefix_q::text as prefixes,
            case when querytree(words_q) <> 'T' then search_scoped_query(${tenantId}, words_q)::text end as ranked
          from p, lateral (select
            ${hasText ? text(terms, phrases, prefixes, excludes) : sql`null::tsquery`} as full_q,
            ${hasText ? text(terms, phrases, [], excludes) : sql`null::tsquery`} as words_q,
            ${prefixes.length > 0 ? text([], [], prefixes, []) : sql`null::tsquery`} as prefix_q) t`);
        // Words that normalise to nothing (only stopwords, or no documents yet) match nothing.
        if (hasText && !prep?.full) return emptyResult(query.facets);
        return runSearch(tx, tenantId, query, {
          full: prep?.full ?? null,
          words: prep?.words ?? null,
          prefixes: prep?.prefixes ?? null,
          ranked: prep?.ranked ?? null,
        });
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
    body: indexedBody(d, MAX_BODY_CHARS),
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

/**
 * Documents in, with their words scoped to the tenant (migration 0006), and the tenant's languages
 * (search_text_query builds a query for each).
 */
async function upsertRows(tx: Tx, tenantId: string, json: string) {
  await tx.execute(sql`
    with x as materialized (
      select x.*, search_build_tsv(x.language, x.title, x.filename, x.tags, x.body) as words
      from jsonb_to_recordset(${json}::jsonb) as x(document_id text, version_id text, title text,
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
      x.updated_at, x.language, search_scoped_tsv(${tenantId}, x.words), now()
    from x
    on conflict (tenant_id, document_id) do update set
      version_id = excluded.version_id, title = excluded.title, title_key = excluded.title_key,
      filename = excluded.filename, tags = excluded.tags, body = excluded.body, folder_id = excluded.folder_id,
      ancestor_ids = excluded.ancestor_ids, author_id = excluded.author_id, type = excluded.type,
      content_type = excluded.content_type, custom_fields = excluded.custom_fields,
      created_at = excluded.created_at, updated_at = excluded.updated_at, language = excluded.language,
      tsv = excluded.tsv, indexed_at = excluded.indexed_at`);
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
