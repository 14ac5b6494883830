import type { SearchQuery } from '../../cell/src/adapters/search-index/port.ts';
import { query } from '../../cell/test/search/fixtures.ts';
import { accessOf, folderIdOf, PHRASES, TAGS, USERS, VOCABULARY } from './corpus.ts';

/** The rotating query mix of bench/search/run.ts (and the tenants it runs on). */

export const BIG = 'ten_bench-big';
export const smallTenant = (i: number) => `ten_bench-small-${String(i).padStart(3, '0')}`;

export interface NamedQuery {
  kind: string;
  label: string;
  tenant: string;
  query: SearchQuery;
}

export function q(
  kind: string,
  label: string,
  text: Partial<SearchQuery['text']>,
  extra: Partial<SearchQuery> = {},
  tenant = BIG,
): NamedQuery {
  return { kind, label, tenant, query: query(text, extra) };
}

/** 48 distinct queries over the big tenant of `docs` documents. */
export function queryMix(docs: number): NamedQuery[] {
  const w = (rank: number) => VOCABULARY[rank]!;
  const out: NamedQuery[] = [];
  // Ranks 0-49 are stopwords (never indexed); 50 is the most frequent indexed word.
  for (const rank of [50, 60, 90, 150, 300, 700, 1500, 3000, 8000, 20000])
    out.push(q('1 word', `${w(rank)} (rank ${rank})`, { terms: [w(rank)] }));
  const multi = [
    [120, 900],
    [200, 2500],
    [75, 400, 4000],
    [500, 600, 700],
    [110, 1200, 5000, 9000],
    [250, 260, 270, 280],
    [100, 1000, 2000, 3000, 4000],
    [130, 330, 530, 730, 930],
    [150, 450, 1450, 2450, 3450, 4450],
    [66, 666, 1666, 2666, 3666, 4666],
    [80, 180],
    [1000, 10000],
  ];
  for (const ranks of multi)
    out.push(q(`${ranks.length} words`, ranks.map(w).join(' '), { terms: ranks.map(w) }));
  for (const phrase of PHRASES.slice(0, 6)) out.push(q('phrase', `"${phrase}"`, { phrases: [phrase] }));
  for (const rank of [300, 1100, 2200, 5500])
    out.push(q('prefix', `${w(rank).slice(0, 4)}*`, { prefixes: [w(rank).slice(0, 4)], terms: [w(90)] }));
  const facets: SearchQuery['facets'] = ['tags', 'type', 'year', 'author'];
  out.push(
    q('filter+facets', 'contract tag', { terms: ['contract'] }, { filters: { tags: [TAGS[0]!] }, facets }),
  );
  out.push(
    q('filter+facets', 'report type pdf', { terms: ['report'] }, { filters: { types: ['pdf'] }, facets }),
  );
  out.push(
    q(
      'filter+facets',
      'budget in folder',
      { terms: ['budget'] },
      { filters: { folderId: folderIdOf(3, null) }, facets },
    ),
  );
  out.push(
    q(
      'filter+facets',
      'invoice subfolder only',
      { terms: ['invoice'] },
      { filters: { folderId: folderIdOf(4, 7), includeSubfolders: false }, facets },
    ),
  );
  out.push(
    q(
      'filter+facets',
      '2 words 2024',
      { terms: [w(300), w(700)] },
      { filters: { updatedFrom: new Date('2024-01-01Z'), updatedTo: new Date('2025-01-01Z') }, facets },
    ),
  );
  out.push(
    q(
      'filter+facets',
      'region emea',
      { terms: ['policy'] },
      { filters: { customFields: { region: 'emea' } }, facets },
    ),
  );
  out.push(q('filter+facets', 'browse by date', {}, { sort: 'date', filters: { tags: [TAGS[1]!] }, facets }));
  out.push(
    q(
      'filter+facets',
      'author + sort title',
      { terms: [w(200)] },
      { filters: { authorId: USERS[3]! }, sort: 'title', facets },
    ),
  );
  const users = [10, 15, 20, 25, 30, 35, 40, 45];
  users.forEach((u, i) => {
    const terms = i % 2 === 0 ? [w(150 + i * 40)] : [w(90 + i), w(900 + i * 100)];
    out.push(
      q(
        'restricted user',
        `user ${u}: ${terms.join(' ')}`,
        { terms },
        { access: accessOf(BIG, u, docs), facets: ['tags'] },
      ),
    );
  });
  return out;
}
