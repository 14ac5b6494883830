import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDateTime, formatNumber } from '../../shared/i18n.ts';
import { type DocType, type SearchParams, useSearch } from '../api/search.ts';
import type { SearchResult } from '../api/types.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { FocusedInput } from '../components/Focus.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PersonName } from '../components/PersonName.tsx';
import { Snippet } from '../components/Snippet.tsx';
import { searchState } from './search-state.ts';

const DEBOUNCE_MS = 250;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

type FacetKey = 'tags' | 'type' | 'year' | 'author';
const paramOf: Record<FacetKey, 'tags' | 'types' | 'years' | 'author'> = {
  tags: 'tags',
  type: 'types',
  year: 'years',
  author: 'author',
};

/**
 * Search as you type (debounced), facets (tags, type, year, author) as filters, highlighted
 * snippets and infinite paging. The query stays in memory (searchState), never in the URL.
 */
export default function SearchPage() {
  const { t } = useTranslation();
  const [params, setParams] = useState<SearchParams>(searchState.get());
  const debounced = useDebounced(params, DEBOUNCE_MS);
  const active =
    !!debounced.q.trim() ||
    debounced.tags.length + debounced.types.length + debounced.years.length > 0 ||
    !!debounced.author;
  const search = useSearch(debounced, true);
  const inputId = useId();

  useEffect(() => searchState.set(params), [params]);

  const first = search.data?.pages[0];
  const hits = search.data?.pages.flatMap((p) => p.items) ?? [];

  const toggle = (facet: FacetKey, value: string) =>
    setParams((p) => {
      if (facet === 'author') return { ...p, author: p.author === value ? null : value };
      const key = paramOf[facet] as 'tags' | 'types' | 'years';
      const list = p[key] as string[];
      return { ...p, [key]: list.includes(value) ? list.filter((v) => v !== value) : [...list, value] };
    });
  const isOn = (facet: FacetKey, value: string) =>
    facet === 'author'
      ? params.author === value
      : (params[paramOf[facet] as 'tags' | 'types' | 'years'] as string[]).includes(value);

  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">{t('search.title')}</h1>
      <search className="row">
        <label htmlFor={inputId} className="visually-hidden">
          {t('search.label')}
        </label>
        <FocusedInput
          id={inputId}
          type="search"
          className="spacer"
          placeholder={t('search.placeholder')}
          value={params.q}
          onChange={(e) => setParams((p) => ({ ...p, q: e.target.value }))}
        />
        <label htmlFor="search-sort">{t('search.sortBy')}</label>
        <select
          id="search-sort"
          value={params.sort}
          onChange={(e) => setParams((p) => ({ ...p, sort: e.target.value as SearchParams['sort'] }))}
        >
          <option value="relevance">{t('search.sort.relevance')}</option>
          <option value="date">{t('search.sort.date')}</option>
          <option value="title">{t('search.sort.title')}</option>
        </select>
      </search>
      <p className="muted" role="status" aria-live="polite">
        {first
          ? first.totalRelation === 'gte'
            ? t('search.totalAtLeast', { count: first.total, formatted: formatNumber(first.total) })
            : t('search.total', { count: first.total, formatted: formatNumber(first.total) })
          : search.isFetching
            ? t('common.loading')
            : ''}
        {!active ? ` ${t('search.recent')}` : ''}
      </p>
      <ErrorText error={search.error} />
      <div className="search-layout">
        <aside className="facets" aria-label={t('search.filters')}>
          {first ? <Facets facets={first.facets} isOn={isOn} toggle={toggle} /> : null}
        </aside>
        <div>
          <ol className="hits" aria-label={t('search.results')}>
            {hits.map((h) => (
              <li key={h.id}>
                <Link to={`/documents/${h.id}`}>
                  <strong>{h.title}</strong>
                </Link>{' '}
                <span className="muted">
                  {h.filename} · {t(`types.${h.type}`, { defaultValue: h.type })} ·{' '}
                  {formatDateTime(h.updatedAt)}
                </span>
                {h.snippets.map((s, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: snippets are positional and never reorder
                  <Snippet key={i} html={s} />
                ))}
                {h.tags.length > 0 ? (
                  <div className="tags">
                    {h.tags.map((tg) => (
                      <span key={tg} className="badge">
                        {tg}
                      </span>
                    ))}
                  </div>
                ) : null}
              </li>
            ))}
          </ol>
          {first && hits.length === 0 ? <p>{t('search.noResults')}</p> : null}
          <LoadMore query={search} />
        </div>
      </div>
    </section>
  );
}

function Facets({
  facets,
  isOn,
  toggle,
}: {
  facets: SearchResult['facets'];
  isOn: (f: FacetKey, v: string) => boolean;
  toggle: (f: FacetKey, v: string) => void;
}) {
  const { t } = useTranslation();
  const groups: FacetKey[] = ['type', 'tags', 'year', 'author'];
  return (
    <>
      <h2 className="visually-hidden">{t('search.filters')}</h2>
      {groups.map((g) => {
        const values = facets[g] ?? [];
        if (values.length === 0) return null;
        return (
          <fieldset key={g}>
            <legend>{t(`search.facet.${g}`)}</legend>
            {values.map((v) => (
              <label key={v.value}>
                <input type="checkbox" checked={isOn(g, v.value)} onChange={() => toggle(g, v.value)} />
                <span className="spacer">
                  {g === 'type' ? (
                    t(`types.${v.value}`, { defaultValue: v.value })
                  ) : g === 'author' ? (
                    <PersonName id={v.value} />
                  ) : (
                    v.value
                  )}
                </span>
                <span className="muted">{formatNumber(v.count)}</span>
              </label>
            ))}
          </fieldset>
        );
      })}
    </>
  );
}

export type { DocType };
