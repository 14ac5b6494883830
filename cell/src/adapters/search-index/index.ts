import type { Db } from '../../db/client.ts';
import type { SearchIndex } from './port.ts';
import { PostgresSearchIndex } from './postgres.ts';

export type SearchEngineName = 'postgres' | 'opensearch';

export interface SearchIndexConfig {
  engine: SearchEngineName;
  /** Required for opensearch. */
  opensearchUrl?: string;
  /** Names this cell's indices in a cluster other cells may share. */
  cellId: string;
  /** Replicas per OpenSearch index (0 on a single-node cluster such as the local stack). */
  opensearchReplicas?: number;
}

/**
 * The one place that picks the cell's search engine (env SEARCH_ENGINE). Postgres is the
 * embedded default and needs nothing but the cell's database; OpenSearch is loaded only
 * when configured.
 */
export async function createSearchIndex(config: SearchIndexConfig, db: Db): Promise<SearchIndex> {
  if (config.engine === 'postgres') return new PostgresSearchIndex(db);
  if (!config.opensearchUrl) throw new Error('SEARCH_ENGINE=opensearch needs OPENSEARCH_URL');
  const { OpenSearchSearchIndex } = await import('./opensearch.ts');
  return new OpenSearchSearchIndex({
    url: config.opensearchUrl,
    indexPrefix: `quire-${config.cellId}`,
    replicas: config.opensearchReplicas,
  });
}
