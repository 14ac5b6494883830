import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBytes, formatDateTime } from '../../shared/i18n.ts';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { ApiError } from '../api/errors.ts';
import { downloadShared, openShared, type SharedDocument, type SharedView } from '../api/sharing.ts';
import { ErrorText } from '../components/ErrorText.tsx';

/**
 * What an external share link shows, to anyone who holds it (no account): a document to
 * download, or a folder to browse; a password first when the link has one. The token is read
 * from the address after `#`, which browsers never send to a server.
 */
export default function SharedPage() {
  const { t } = useTranslation();
  const token = decodeURIComponent(location.hash.slice(1));
  const [view, setView] = useState<SharedView | null>(null);
  const [password, setPassword] = useState('');
  const [unlocked, setUnlocked] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (o: { password?: string; folderId?: string } = {}) => {
      setError(null);
      try {
        setView(await openShared(token, o));
        return true;
      } catch (err) {
        setError(err);
        return false;
      }
    },
    [token],
  );

  useEffect(() => {
    if (token) void load();
  }, [token, load]);

  const unlock = async (e: FormEvent) => {
    e.preventDefault();
    if (await load({ password })) setUnlocked(password);
  };

  const download = (d: SharedDocument) =>
    downloadShared(token, { password: unlocked, documentId: d.id, filename: d.filename })
      .then(() => load({ password: unlocked }))
      .catch(setError);

  const gone = error instanceof ApiError && error.status === 410;
  return (
    <main id="main" className="signin card">
      <div className="row">
        <span className="brand spacer">Quire</span>
        <LanguagePicker />
      </div>
      <h1>{t('shared.title')}</h1>
      {!token ? <p>{t('shared.noToken')}</p> : null}
      {gone ? <p role="alert">{t('shared.gone')}</p> : <ErrorText error={error} />}
      {view && 'requiresPassword' in view ? (
        <form onSubmit={unlock}>
          <label htmlFor="shared-password">{t('shared.password')}</label>
          <input
            id="shared-password"
            type="password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="primary">
            {t('shared.open')}
          </button>
        </form>
      ) : null}
      {view && !('requiresPassword' in view) ? (
        <>
          {view.resourceType === 'document' ? (
            <section aria-labelledby="shared-doc">
              <h2 id="shared-doc">{view.document.title}</h2>
              <dl className="meta">
                <dt>{t('document.fileName')}</dt>
                <dd>{view.document.filename}</dd>
                <dt>{t('document.size')}</dt>
                <dd>{formatBytes(view.document.size)}</dd>
                <dt>{t('document.updated')}</dt>
                <dd>{formatDateTime(view.document.updatedAt)}</dd>
              </dl>
              <button type="button" className="primary" onClick={() => void download(view.document)}>
                {t('document.download')}
              </button>
            </section>
          ) : null}
          {view.resourceType === 'folder' ? (
            <section aria-labelledby="shared-folder">
              <h2 id="shared-folder">{view.current.name}</h2>
              {view.current.parentId ? (
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    void load({ password: unlocked, folderId: view.current.parentId ?? undefined })
                  }
                >
                  {t('shared.up')}
                </button>
              ) : null}
              <ul>
                {view.items.map((i) =>
                  i.kind === 'folder' ? (
                    <li key={i.id}>
                      <button
                        type="button"
                        className="link"
                        onClick={() => void load({ password: unlocked, folderId: i.id })}
                      >
                        {i.name}
                      </button>
                    </li>
                  ) : (
                    <li key={i.id} className="row">
                      <span className="spacer">
                        {i.title} <span className="muted small">{formatBytes(i.size)}</span>
                      </span>
                      <button
                        type="button"
                        aria-label={t('shared.downloadNamed', { name: i.title })}
                        onClick={() => void download(i)}
                      >
                        {t('document.download')}
                      </button>
                    </li>
                  ),
                )}
              </ul>
            </section>
          ) : null}
          <p className="muted small">
            {view.expiresAt ? t('shared.expires', { when: formatDateTime(view.expiresAt) }) : null}{' '}
            {view.downloadsLeft !== null ? t('shared.downloadsLeft', { count: view.downloadsLeft }) : null}
          </p>
        </>
      ) : null}
    </main>
  );
}
