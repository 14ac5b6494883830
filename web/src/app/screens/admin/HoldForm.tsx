import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../../api/directory.ts';
import { useSubfolders } from '../../api/folders.ts';
import { createHold } from '../../api/holds.ts';
import { emptySearch, useSearch } from '../../api/search.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useRun } from '../../components/useRun.ts';

function useDebounced(value: string, ms = 250): string {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

const toggled = (list: string[], id: string, on: boolean) =>
  on ? [...new Set([...list, id])] : list.filter((x) => x !== id);

/**
 * Place a legal hold: a name, a description, and what it holds: documents found by title (the
 * search the caller may read), top-level folders (everything below them), custodians (people).
 */
export function HoldForm() {
  const { t } = useTranslation();
  const users = useUsers();
  const folders = useSubfolders('root', true);
  const { error, busy, run } = useRun();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [documents, setDocuments] = useState<Map<string, string>>(new Map());
  const [folderIds, setFolderIds] = useState<string[]>([]);
  const [custodianIds, setCustodianIds] = useState<string[]>([]);
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim());
  const search = useSearch({ ...emptySearch, q: query }, query.length > 1);
  const hits = query.length > 1 ? (search.data?.pages[0]?.items ?? []) : [];
  // Chosen documents stay listed (first) while the search shows others; a hit keeps its place when chosen.
  const picked = [...documents].filter(([id]) => !hits.some((h) => h.id === id));
  const empty = documents.size + folderIds.length + custodianIds.length === 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await createHold({
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(documents.size ? { documentIds: [...documents.keys()] } : {}),
        ...(folderIds.length ? { folderIds } : {}),
        ...(custodianIds.length ? { custodianIds } : {}),
      });
      setName('');
      setDescription('');
      setDocuments(new Map());
      setFolderIds([]);
      setCustodianIds([]);
      setQ('');
    }, t('holds.placed'));
  };

  const pick = (id: string, title: string, on: boolean) =>
    setDocuments((m) => {
      const next = new Map(m);
      if (on) next.set(id, title);
      else next.delete(id);
      return next;
    });

  return (
    <form className="card stack" onSubmit={submit} aria-labelledby="hold-new">
      <h2 id="hold-new">{t('holds.new')}</h2>
      <div className="field">
        <label htmlFor="hold-name">{t('holds.name')}</label>
        <input
          id="hold-name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="hold-description">{t('holds.description')}</label>
        <textarea
          id="hold-description"
          rows={2}
          maxLength={4000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <fieldset>
        <legend>{t('holds.documents')}</legend>
        <div className="field">
          <label htmlFor="hold-find">{t('holds.findDocuments')}</label>
          <input id="hold-find" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <ul className="pick-list" aria-label={t('holds.documents')}>
          {[...picked, ...hits.map((h) => [h.id, h.title] as const)].map(([id, title]) => (
            <li key={id}>
              <label>
                <input
                  type="checkbox"
                  checked={documents.has(id)}
                  onChange={(e) => pick(id, title, e.target.checked)}
                />{' '}
                {t('holds.holdDocument', { title })}
              </label>
            </li>
          ))}
        </ul>
        {query.length > 1 && search.isSuccess && hits.length === 0 ? (
          <p className="muted">{t('holds.noDocumentFound')}</p>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t('holds.folders')}</legend>
        {(folders.data ?? []).length === 0 ? <p className="muted">{t('holds.noFolders')}</p> : null}
        <ul className="pick-list">
          {(folders.data ?? []).map((f) => (
            <li key={f.id}>
              <label>
                <input
                  type="checkbox"
                  checked={folderIds.includes(f.id)}
                  onChange={(e) => setFolderIds((l) => toggled(l, f.id, e.target.checked))}
                />{' '}
                {f.name}
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <fieldset>
        <legend>{t('holds.custodians')}</legend>
        <ul className="pick-list">
          {(users.data ?? []).map((u) => (
            <li key={u.id}>
              <label>
                <input
                  type="checkbox"
                  checked={custodianIds.includes(u.id)}
                  onChange={(e) => setCustodianIds((l) => toggled(l, u.id, e.target.checked))}
                />{' '}
                {u.name} <span className="muted">{u.email}</span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <ErrorText error={error} />
      {empty ? <p className="muted">{t('holds.pickSomething')}</p> : null}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || empty || !name.trim()}>
          {busy ? t('holds.placing') : t('holds.place')}
        </button>
      </div>
    </form>
  );
}
