import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { createShareLink, revokeShareLink, useShareLinks } from '../api/sharing.ts';
import { ErrorText } from './ErrorText.tsx';
import { PersonName } from './PersonName.tsx';
import { endOfDay, lastAllowedDay, ShareLinkEdit } from './ShareLinkEdit.tsx';
import { useAnnounce } from './Status.tsx';

/**
 * External links to a folder or document (owners): create with an expiry (within the
 * organisation's policy), a password and a download limit; the new link is shown once, to copy;
 * list with status and use; change an active link's expiry, password and limit; revoke.
 */
export function ShareLinks({ resource }: { resource: { type: 'folder' | 'document'; id: string } }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const links = useShareLinks(resource, true);
  const [form, setForm] = useState({ expires: '', password: '', max: '' });
  const [created, setCreated] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const { url } = await createShareLink(resource, {
        // The end of the chosen day, in the user's time zone.
        ...(form.expires ? { expiresAt: endOfDay(form.expires).toISOString() } : {}),
        ...(form.password ? { password: form.password } : {}),
        ...(form.max ? { maxDownloads: Number(form.max) } : {}),
      });
      setCreated(url);
      setForm({ expires: '', password: '', max: '' });
      announce(t('links.created'));
    } catch (err) {
      setError(err);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created);
      announce(t('links.copied'));
    } catch {
      document.getElementById(`${id}-url`)?.focus();
    }
  };

  const revoke = async (linkId: string) => {
    setError(null);
    try {
      await revokeShareLink(resource, linkId);
      announce(t('links.revoked'));
    } catch (err) {
      setError(err);
    }
  };

  const items = links.data?.items ?? [];
  const policy = links.data?.policy;
  const editedLink = items.find((l) => l.id === editing && l.status === 'active');
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t('links.heading')}</h2>
      <ErrorText error={error ?? links.error} />
      {created ? (
        <div className="card">
          <label htmlFor={`${id}-url`}>{t('links.newLink')}</label>
          <div className="row">
            <input
              id={`${id}-url`}
              className="spacer"
              readOnly
              value={created}
              onFocus={(e) => e.target.select()}
            />
            <button type="button" className="primary" onClick={() => void copy()}>
              {t('links.copy')}
            </button>
          </div>
          <p className="muted small">{t('links.onlyOnce')}</p>
        </div>
      ) : null}
      <form className="card" onSubmit={create}>
        <div className="row">
          <div className="field">
            <label htmlFor={`${id}-expires`}>{t('links.expires')}</label>
            <input
              id={`${id}-expires`}
              type="date"
              max={lastAllowedDay(policy)}
              value={form.expires}
              onChange={(e) => setForm({ ...form, expires: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-password`}>{t('links.password')}</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="new-password"
              minLength={8}
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-max`}>{t('links.maxDownloads')}</label>
            <input
              id={`${id}-max`}
              type="number"
              min={1}
              inputMode="numeric"
              value={form.max}
              onChange={(e) => setForm({ ...form, max: e.target.value })}
            />
          </div>
        </div>
        <button type="submit">{t('links.create')}</button>
      </form>
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('links.heading')}</caption>
            <thead>
              <tr>
                <th>{t('links.status')}</th>
                <th>{t('links.expires')}</th>
                <th className="hide-narrow">{t('links.password')}</th>
                <th>{t('links.downloads')}</th>
                <th className="hide-narrow">{t('links.createdAt')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((l) => (
                <tr key={l.id} data-link={l.id}>
                  <td>{t(`links.statuses.${l.status}`)}</td>
                  <td>{l.expiresAt ? formatDateTime(l.expiresAt) : t('links.never')}</td>
                  <td className="hide-narrow">{l.hasPassword ? t('links.yes') : t('links.no')}</td>
                  <td>
                    {l.maxDownloads === null
                      ? l.downloadCount
                      : t('links.downloadsOf', { count: l.downloadCount, max: l.maxDownloads })}
                  </td>
                  <td className="hide-narrow">
                    {formatDateTime(l.createdAt)}{' '}
                    <span className="muted">
                      <PersonName id={l.createdBy} name={l.createdByName} />
                    </span>
                  </td>
                  <td>
                    {l.status === 'active' ? (
                      <div className="row">
                        <button
                          type="button"
                          aria-expanded={editing === l.id}
                          aria-label={t('linkEdit.editCreated', { when: formatDateTime(l.createdAt) })}
                          onClick={() => setEditing(editing === l.id ? null : l.id)}
                        >
                          {t('linkEdit.edit')}
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={t('links.revokeCreated', { when: formatDateTime(l.createdAt) })}
                          onClick={() => void revoke(l.id)}
                        >
                          {t('links.revoke')}
                        </button>
                      </div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {editedLink ? (
        <ShareLinkEdit
          key={editedLink.id}
          resource={resource}
          link={editedLink}
          policy={policy}
          onDone={() => setEditing(null)}
        />
      ) : null}
    </section>
  );
}
