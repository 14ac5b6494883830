import { type API, Client, errors } from '@opensearch-project/opensearch';
import type { TransportRequestOptions } from '@opensearch-project/opensearch/lib/Transport.js';
import { TENANT_ID_PATTERN } from '@quire/shared/ids';
import type { IsolationTier } from '@quire/shared/plans';
import { emptyResult, MARK_OPEN, markedToHtml, relevanceCursor } from './common.ts';
import { indexSettings, MAPPING_VERSION, MAPPINGS, SHARDS, toSource } from './opensearch-mapping.ts';
import { buildSearch, cursorOf, type Dsl, tenantFilter } from './opensearch-query.ts';
import {
  FACETS,
  type IndexedDocument,
  type IndexedEntry,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
  SearchTimeoutError,
} from './port.ts';

/**
 * The OpenSearch engine of the SearchIndex port.
 *
 * Index strategies by isolation tier:
 * - `pooled` tenants share one index behind the alias `<prefix>-docs`. Every write and read
 *   carries `routing: tenantId` (a tenant lives on one shard, its searches touch one shard) and
 *   every query a mandatory `term tenant_id` filter (buildSearch), which is what keeps tenants
 *   apart: routing alone would not.
 * - `schema`, `database` and `dedicated` tenants get their own index behind the alias
 *   `<prefix>-t-<tenantId>` (the tenant filter stays on as a second lock).
 *
 * Documents are addressed by `<tenantId>:<documentId>` in both, so ids never meet across tenants.
 * Readers and writers only use aliases; concrete names are `<alias>-v<MAPPING_VERSION>[-<gen>]`
 * and `reindex()` moves an alias to a fresh index without a gap in answers.
 *
 * Refresh policy: writes use `refresh: 'wait_for'` by default, so `upsert`/`remove` resolve once
 * the change is searchable (read-your-writes, like the Postgres engine) at the cost of up to one
 * refresh interval (1 s) of latency per batch, with no extra refreshes. Bulk loaders can pass
 * `refresh: false` (searchable within ~1 s instead).
 */

export interface OpenSearchSearchIndexOptions {
  /** A client to use (the adapter never closes it), or the URL for one it owns. */
  client?: Client;
  url?: string;
  /** Every index and alias name starts with it (default `quire`): cells or test runs sharing a cluster stay apart. */
  indexPrefix?: string;
  /** Replicas per index (default 1; 0 on a single-node cluster such as the local stack). */
  replicas?: number;
  /** Primary shards of the shared index (default 1); tenant routing keeps facet counts exact with more. */
  pooledShards?: number;
  /**
   * `'wait_for'` (default): a write resolves once searchable, by waiting for the next periodic
   * refresh (≤ 1 s). `true`: forces a refresh per write (fast answers, many small segments: tests).
   * `false`: searchable within about a second (bulk loads).
   */
  refresh?: 'wait_for' | boolean;
  /** Per-request timeout for writes and admin calls (default 60 s); searches use the query's timeoutMs. */
  requestTimeoutMs?: number;
}

export function createOpenSearchClient(options: {
  url: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}): Client {
  return new Client({
    node: options.url,
    requestTimeout: options.requestTimeoutMs ?? 60_000,
    ...(options.username !== undefined && {
      auth: { username: options.username, password: options.password ?? '' },
    }),
  });
}

type Placement = 'pooled' | 'own';

/** How long a "pooled" answer from the alias lookup is trusted before asking again (another process may move the tenant). */
const POOLED_LOOKUP_TTL_MS = 60_000;
const BULK_CHUNK = 500;
const MAX_LIST_PAGE = 10_000;
const INDEX_PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]{0,40}$/;

function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) {
    throw new Error(`invalid tenant id: ${JSON.stringify(tenantId)}`);
  }
}

function ownTier(tier: IsolationTier): boolean {
  return tier !== 'pooled';
}

function errorType(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  const body = err.body as { error?: { type?: string } } | undefined;
  return body?.error?.type;
}

/** True for the errors a search timeout produces: the client's own timer, or the server cancelling the task. */
function isTimeout(err: unknown): boolean {
  if (err instanceof errors.TimeoutError) return true;
  if (!(err instanceof errors.ResponseError)) return false;
  return JSON.stringify(err.body ?? '').includes('task_cancelled_exception');
}

function isIndexNotFound(err: unknown): boolean {
  return errorType(err) === 'index_not_found_exception';
}

function docId(tenantId: string, documentId: string): string {
  return `${tenantId}:${documentId}`;
}

interface HitSource {
  document_id: string;
  version_id: string;
  title: string;
  filename: string;
  folder_id: string | null;
  author_id: string;
  type: string;
  tags: string[];
  updated_at: string;
  ancestor_ids?: string[];
}

export class OpenSearchSearchIndex implements SearchIndex {
  readonly engine = 'opensearch' as const;
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #replicas: number;
  readonly #pooledShards: number;
  readonly #refresh: 'wait_for' | boolean;
  readonly #placements = new Map<string, { placement: Placement; until: number }>();

  constructor(options: OpenSearchSearchIndexOptions) {
    if (options.client !== undefined) {
      this.#client = options.client;
      this.#ownsClient = false;
    } else if (options.url !== undefined) {
      this.#client = createOpenSearchClient({
        url: options.url,
        ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      });
      this.#ownsClient = true;
    } else {
      throw new Error('OpenSearchSearchIndex needs a client or a url');
    }
    const prefix = options.indexPrefix ?? 'quire';
    if (!INDEX_PREFIX_PATTERN.test(prefix))
      throw new Error(`invalid index prefix: ${JSON.stringify(prefix)}`);
    this.#prefix = prefix;
    this.#replicas = options.replicas ?? 1;
    this.#pooledShards = options.pooledShards ?? SHARDS;
    this.#refresh = options.refresh ?? 'wait_for';
  }

  /** The shared index's alias. */
  get pooledAlias(): string {
    return `${this.#prefix}-docs`;
  }

  /** The alias of a tenant's own index (higher tiers). */
  tenantAlias(tenantId: string): string {
    assertTenantId(tenantId);
    return `${this.#prefix}-t-${tenantId}`;
  }

  // --- tenants -------------------------------------------------------------------

  async ensureTenant(tenantId: string, tier: IsolationTier): Promise<void> {
    assertTenantId(tenantId);
    const own = this.tenantAlias(tenantId);
    if (!ownTier(tier)) {
      await this.#ensureAliasedIndex(this.pooledAlias, this.#pooledShards);
      if (await this.#aliasExists(own)) {
        // The tenant moves down to the shared index: copy, then drop its own index.
        await this.#copy(await this.#indicesOf(own), this.pooledAlias, { routing: `=${tenantId}` }, null);
        await this.#deleteIndices(await this.#indicesOf(own));
      }
      this.#remember(tenantId, 'pooled');
      return;
    }
    if (await this.#aliasExists(own)) {
      this.#remember(tenantId, 'own');
      return;
    }
    // Created without its alias: reads keep going to the shared index until the copy of the
    // tenant's pooled documents (if any, e.g. after an upgrade) is complete, then the alias appears.
    const index = `${own}-v${MAPPING_VERSION}`;
    await this.#createIndex(index, SHARDS);
    const moving = (await this.#aliasExists(this.pooledAlias)) && (await this.#countPooled(tenantId)) > 0;
    if (moving) {
      await this.#copy([this.pooledAlias], index, { routing: 'discard' }, { tenantId });
    }
    await this.#client.indices.putAlias({ index, name: own });
    if (moving) await this.#deletePooled(tenantId);
    this.#remember(tenantId, 'own');
  }

  async dropTenant(tenantId: string): Promise<void> {
    assertTenantId(tenantId);
    const own = this.tenantAlias(tenantId);
    if (await this.#aliasExists(own)) await this.#deleteIndices(await this.#indicesOf(own));
    if (await this.#aliasExists(this.pooledAlias)) await this.#deletePooled(tenantId);
    this.#placements.delete(tenantId);
  }

  // --- writes --------------------------------------------------------------------

  async upsert(tenantId: string, docs: IndexedDocument[]): Promise<void> {
    assertTenantId(tenantId);
    for (const doc of docs) {
      if (doc.tenantId !== tenantId) {
        throw new Error(`upsert for ${tenantId} got a document of another tenant (${doc.documentId})`);
      }
    }
    for (let i = 0; i < docs.length; i += BULK_CHUNK) {
      const chunk = docs.slice(i, i + BULK_CHUNK);
      await this.#withPlacement(tenantId, (target) => {
        const now = new Date();
        const body: Dsl[] = [];
        for (const doc of chunk) {
          body.push({
            index: { _index: target.alias, _id: docId(tenantId, doc.documentId), ...target.routing },
          });
          body.push(toSource(doc, now) as unknown as Dsl);
        }
        return this.#bulk(body, new Set());
      });
    }
  }

  async remove(tenantId: string, documentIds: string[]): Promise<void> {
    assertTenantId(tenantId);
    for (let i = 0; i < documentIds.length; i += BULK_CHUNK) {
      const chunk = documentIds.slice(i, i + BULK_CHUNK);
      await this.#withPlacement(tenantId, (target) =>
        this.#bulk(
          chunk.map((id) => ({
            delete: { _index: target.alias, _id: docId(tenantId, id), ...target.routing },
          })),
          // Removing what is not there is fine: remove is idempotent.
          new Set([404]),
        ),
      );
    }
  }

  async #bulk(body: Dsl[], okStatuses: Set<number>): Promise<void> {
    if (body.length === 0) return;
    const res = await this.#client.bulk({
      body: body as API.Bulk_RequestBody,
      require_alias: true,
      refresh: this.#refresh,
    });
    if (!res.body.errors) return;
    const failures: string[] = [];
    for (const item of res.body.items) {
      for (const op of Object.values(item)) {
        if (op?.error && !okStatuses.has(op.status)) {
          failures.push(`${op._id}: ${op.error.type} ${op.error.reason ?? ''}`.trim());
        }
      }
    }
    if (failures.length === 0) return;
    if (failures.every((f) => f.includes('index_not_found_exception'))) {
      throw new IndexMissing(failures[0] ?? '');
    }
    throw new Error(
      `OpenSearch bulk write failed for ${failures.length} document(s): ${failures.slice(0, 3).join('; ')}`,
    );
  }

  // --- reads ---------------------------------------------------------------------

  async search(tenantId: string, query: SearchQuery): Promise<SearchResult> {
    assertTenantId(tenantId);
    const { body, offset } = buildSearch(tenantId, query);
    // One budget for the placement lookup (rare: cached) and the search itself.
    const deadline = Date.now() + query.timeoutMs;
    const left = () => Math.max(1, Math.floor(deadline - Date.now()));
    let res: API.Search_Response | null;
    try {
      res = await this.#withPlacement(
        tenantId,
        (target) =>
          this.#client.search(
            {
              index: target.alias,
              body: { ...body, timeout: `${left()}ms` } as API.Search_RequestBody,
              ...target.routing,
              // The server stops the work too, not only our wait for it.
              cancel_after_time_interval: `${left()}ms`,
              allow_partial_search_results: false,
            },
            { requestTimeout: left(), maxRetries: 0 },
          ),
        { requestTimeout: left(), maxRetries: 0 },
        () => null,
      );
    } catch (err) {
      if (isTimeout(err)) throw new SearchTimeoutError(query.timeoutMs);
      throw err;
    }
    if (res === null) {
      // No index at all yet (nothing was ever indexed in this place): nothing matches.
      return emptyResult(query.facets);
    }
    if (res.body.timed_out) throw new SearchTimeoutError(query.timeoutMs);

    const rawHits = res.body.hits.hits;
    const page = rawHits.slice(0, query.limit);
    const hits: SearchHit[] = page.map((hit) => {
      const src = hit._source as unknown as HitSource;
      // One language field holds the body: its fragments, marked or (no match) the body's start.
      const fragments = Object.values((hit.highlight ?? {}) as Record<string, string[]>);
      const marked = fragments.find((f) => f.some((x) => x.includes(MARK_OPEN)));
      const snippets = (marked ?? fragments[0] ?? []).map(markedToHtml);
      return {
        documentId: src.document_id,
        versionId: src.version_id,
        title: src.title,
        filename: src.filename,
        folderId: src.folder_id,
        authorId: src.author_id,
        type: src.type,
        tags: src.tags,
        updatedAt: new Date(src.updated_at),
        score: typeof hit._score === 'number' ? hit._score : 0,
        snippets,
      };
    });
    const last = page.at(-1);
    const more = rawHits.length > query.limit;
    const next = !more
      ? null
      : query.sort === 'relevance'
        ? relevanceCursor(offset + page.length)
        : last?.sort !== undefined
          ? cursorOf(query.sort, last.sort as unknown[])
          : null;

    const total = res.body.hits.total;
    const facets: SearchResult['facets'] = {};
    const aggs = (res.body.aggregations ?? {}) as Record<
      string,
      { buckets?: { key: unknown; doc_count: number }[] }
    >;
    for (const facet of FACETS) {
      const agg = aggs[facet];
      if (agg?.buckets === undefined) continue;
      facets[facet] = agg.buckets.map((b) => ({ value: String(b.key), count: b.doc_count }));
    }
    return {
      hits,
      total: typeof total === 'number' ? total : (total?.value ?? 0),
      totalRelation: typeof total === 'object' && total?.relation === 'gte' ? 'gte' : 'eq',
      facets,
      // Aggregations count every match.
      facetsRelation: 'eq',
      next,
    };
  }

  async listIndexed(
    tenantId: string,
    afterDocumentId: string | null,
    limit: number,
  ): Promise<IndexedEntry[]> {
    assertTenantId(tenantId);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_PAGE) {
      throw new Error(`listIndexed limit must be 1..${MAX_LIST_PAGE}`);
    }
    const body: Dsl = {
      query: { bool: { filter: [tenantFilter(tenantId)] } },
      sort: [{ document_id: { order: 'asc' } }],
      size: limit,
      track_total_hits: false,
      _source: ['document_id', 'version_id', 'updated_at', 'ancestor_ids'],
    };
    if (afterDocumentId !== null) body.search_after = [afterDocumentId];
    const res = await this.#withPlacement(
      tenantId,
      (target) =>
        this.#client.search({ index: target.alias, body: body as API.Search_RequestBody, ...target.routing }),
      undefined,
      () => null,
    );
    if (res === null) return [];
    return res.body.hits.hits.map((hit) => {
      const src = hit._source as unknown as HitSource;
      return {
        documentId: src.document_id,
        versionId: src.version_id,
        updatedAt: new Date(src.updated_at),
        ancestorIds: src.ancestor_ids ?? [],
      };
    });
  }

  // --- mapping versions ----------------------------------------------------------------

  /**
   * Moves an alias (`'pooled'` or a tenant with its own index) to a fresh index built from the
   * mappings in code: create `<alias>-v<MAPPING_VERSION>-<gen>`, `_reindex` into it, swap the alias
   * in one atomic `_aliases` call (searches never see a missing or half-filled alias), copy what
   * was created in the old index during the copy (`op_type: create`, so nothing written after
   * the swap is overwritten), delete the old index. Documents changed or removed while the copy
   * ran may be stale afterwards; the consistency checker (versionId against Postgres) repairs
   * them, or pause the tenant's indexing around the call.
   */
  async reindex(
    target: 'pooled' | { tenantId: string },
  ): Promise<{ from: string[]; to: string; copied: number }> {
    const alias = target === 'pooled' ? this.pooledAlias : this.tenantAlias(target.tenantId);
    const from = await this.#indicesOf(alias);
    if (from.length === 0) throw new Error(`no index behind alias ${alias}`);
    const to = `${alias}-v${MAPPING_VERSION}-${Date.now().toString(36)}`;
    await this.#createIndex(to, target === 'pooled' ? this.#pooledShards : SHARDS);
    const started = new Date(Date.now() - 1000);
    const copied = await this.#copy(from, to, null, null);
    await this.#client.indices.updateAliases({
      body: {
        actions: [...from.map((index) => ({ remove: { index, alias } })), { add: { index: to, alias } }],
      },
    });
    await this.#copy(from, to, null, null, { since: started, createOnly: true });
    await this.#deleteIndices(from);
    return { from, to, copied };
  }

  /** Reindexes every alias of this prefix whose index predates MAPPING_VERSION (run on deploy). */
  async migrateMappings(): Promise<string[]> {
    const res = await this.#client.indices.getAlias({ name: `${this.#prefix}-*` }, { ignore: [404] });
    const body = (res.body ?? {}) as Record<string, { aliases?: Record<string, unknown> }>;
    const moved: string[] = [];
    for (const [index, info] of Object.entries(body)) {
      for (const alias of Object.keys(info.aliases ?? {})) {
        if (index.startsWith(`${alias}-v${MAPPING_VERSION}`)) continue;
        const tenantPrefix = `${this.#prefix}-t-`;
        if (alias === this.pooledAlias) await this.reindex('pooled');
        else if (alias.startsWith(tenantPrefix))
          await this.reindex({ tenantId: alias.slice(tenantPrefix.length) });
        else continue;
        moved.push(alias);
      }
    }
    return moved;
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }

  // --- internals -------------------------------------------------------------------

  #remember(tenantId: string, placement: Placement): void {
    this.#placements.set(tenantId, {
      placement,
      until: placement === 'own' ? Number.POSITIVE_INFINITY : Date.now() + POOLED_LOOKUP_TTL_MS,
    });
  }

  async #placement(tenantId: string, lookup?: TransportRequestOptions): Promise<Placement> {
    const known = this.#placements.get(tenantId);
    if (known !== undefined && known.until > Date.now()) return known.placement;
    const placement: Placement = (await this.#aliasExists(this.tenantAlias(tenantId), lookup))
      ? 'own'
      : 'pooled';
    this.#remember(tenantId, placement);
    return placement;
  }

  /**
   * Runs `work` against the tenant's alias. If the alias has vanished (another process dropped
   * or moved the tenant), forgets the cached placement and retries once. Still missing: reads
   * get `missing()` (nothing was ever indexed for the tenant: an empty answer), writes an error.
   */
  async #withPlacement<T>(
    tenantId: string,
    work: (target: { alias: string; routing: { routing?: string } }) => Promise<T>,
    lookup?: TransportRequestOptions,
    missing?: () => T,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const placement = await this.#placement(tenantId, lookup);
      const target =
        placement === 'own'
          ? { alias: this.tenantAlias(tenantId), routing: {} }
          : { alias: this.pooledAlias, routing: { routing: tenantId } };
      try {
        return await work(target);
      } catch (err) {
        if (!(isIndexNotFound(err) || err instanceof IndexMissing)) throw err;
        this.#placements.delete(tenantId);
        if (attempt === 0) continue;
        if (missing !== undefined) return missing();
        throw new Error(
          `no search index for tenant ${tenantId} (${target.alias}): call ensureTenant before indexing`,
          { cause: err },
        );
      }
    }
  }

  async #aliasExists(alias: string, options?: TransportRequestOptions): Promise<boolean> {
    const res = await this.#client.indices.existsAlias({ name: alias }, options);
    return res.statusCode === 200;
  }

  async #indicesOf(alias: string): Promise<string[]> {
    const res = await this.#client.indices.getAlias({ name: alias }, { ignore: [404] });
    if (res.statusCode === 404) return [];
    return Object.keys(res.body as Record<string, unknown>);
  }

  async #createIndex(index: string, shards: number, aliases?: Record<string, object>): Promise<void> {
    try {
      await this.#client.indices.create({
        index,
        body: {
          settings: indexSettings(this.#replicas, shards),
          mappings: MAPPINGS,
          ...(aliases !== undefined && { aliases }),
        } as API.Indices_Create_RequestBody,
        wait_for_active_shards: '1',
      });
    } catch (err) {
      // Idempotent: a concurrent (or crashed, now retried) call created it already.
      if (errorType(err) !== 'resource_already_exists_exception') throw err;
    }
  }

  /** Creates `<alias>-v<MAPPING_VERSION>` with its alias in one request unless the alias exists. */
  async #ensureAliasedIndex(alias: string, shards: number): Promise<void> {
    if (await this.#aliasExists(alias)) return;
    await this.#createIndex(`${alias}-v${MAPPING_VERSION}`, shards, { [alias]: {} });
  }

  async #deleteIndices(indices: string[]): Promise<void> {
    if (indices.length === 0) return;
    await this.#client.indices.delete({ index: indices.join(','), ignore_unavailable: true });
  }

  async #countPooled(tenantId: string): Promise<number> {
    const res = await this.#client.count({
      index: this.pooledAlias,
      routing: tenantId,
      body: { query: { bool: { filter: [tenantFilter(tenantId)] } } },
    });
    return res.body.count;
  }

  async #deletePooled(tenantId: string): Promise<void> {
    await this.#client.deleteByQuery({
      index: this.pooledAlias,
      routing: tenantId,
      conflicts: 'proceed',
      refresh: true,
      body: { query: { bool: { filter: [tenantFilter(tenantId)] } } },
    });
  }

  /** `_reindex` from → to, optionally one tenant's documents only, or only those written since a time. */
  async #copy(
    from: string[],
    to: string,
    dest: { routing: string } | null,
    only: { tenantId: string } | null,
    window?: { since: Date; createOnly: boolean },
  ): Promise<number> {
    const filter: Dsl[] = [];
    if (only !== null) filter.push(tenantFilter(only.tenantId));
    if (window !== undefined) filter.push({ range: { indexed_at: { gte: window.since.toISOString() } } });
    const source: Dsl = { index: from };
    if (filter.length > 0) source.query = { bool: { filter } };
    const res = await this.#client.reindex({
      body: {
        source,
        dest: { index: to, ...dest, ...(window?.createOnly && { op_type: 'create' }) },
        ...(window?.createOnly && { conflicts: 'proceed' }),
      } as API.Reindex_RequestBody,
      refresh: true,
      wait_for_completion: true,
    });
    const body = res.body as { failures?: unknown[]; created?: number; updated?: number };
    if (body.failures !== undefined && body.failures.length > 0) {
      throw new Error(`OpenSearch reindex into ${to} failed: ${JSON.stringify(body.failures.slice(0, 3))}`);
    }
    return (body.created ?? 0) + (body.updated ?? 0);
  }
}

/** A bulk write whose every failure was a missing index: the alias vanished. */
class IndexMissing extends Error {
  constructor(detail: string) {
    super(`index missing: ${detail}`);
    this.name = 'IndexMissing';
  }
}
