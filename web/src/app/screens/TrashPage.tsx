import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDateTime } from '../../shared/i18n.ts';
import { deletePermanently, restoreDocument, useTrash } from '../api/documents.ts';
import { restoreFolder, useTrashedFolders } from '../api/folders.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { useAnnounce } from '../components/Status.tsx';

/** Documents in the trash the caller may restore: restore, or delete for good (versions and files). */
export default function TrashPage() {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const trash = useTrash();
  const folders = useTrashedFolders();
  const [error, setError] = useState<unknown>(null);
  const items = trash.data?.pages.flatMap((p) => p.items) ?? [];

  const run = async (work: () => Promise<void>, done: string) => {
    setError(null);
    try {
      await work();
      announce(done);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="trash-title">
      <h1 id="trash-title">{t('trash.title')}</h1>
      <ErrorText error={error ?? trash.error} />
      {trash.isPending ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : items.length === 0 ? (
        <p className="muted">{t('trash.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('browse.name')}</th>
                <th className="hide-narrow">{t('trash.trashedAt')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-id={d.id}>
                  <td className="name">
                    <Link to={`/documents/${d.id}`}>{d.title}</Link>
                  </td>
                  <td className="hide-narrow">{formatDateTime(d.trashedAt)}</td>
                  <td>
                    <div className="row">
                      <button
                        type="button"
                        onClick={() => void run(() => restoreDocument(d.id), t('trash.restored'))}
                        aria-label={t('trash.restoreNamed', { title: d.title })}
                      >
                        {t('trash.restore')}
                      </button>
                      <button
                        type="button"
                        className="danger"
                        aria-label={t('trash.deleteNamed', { title: d.title })}
                        onClick={() => {
                          if (confirm(t('trash.confirmDelete', { title: d.title })))
                            void run(() => deletePermanently(d.id), t('trash.deleted'));
                        }}
                      >
                        {t('trash.delete')}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore query={trash} />
      {folders.data && folders.data.length > 0 ? (
        <section aria-labelledby="trash-folders">
          <h2 id="trash-folders">{t('folderTrash.heading')}</h2>
          <ul className="notifications">
            {folders.data.map((f) => (
              <li key={f.id} className="notification">
                <span className="spacer">{f.name}</span>
                <button
                  type="button"
                  aria-label={t('trash.restoreNamed', { title: f.name })}
                  onClick={() => void run(() => restoreFolder(f.id), t('trash.restored'))}
                >
                  {t('trash.restore')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}
