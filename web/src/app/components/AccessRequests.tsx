import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { type AccessRequest, decideAccessRequest, requestAccess, useAccessRequests } from '../api/sharing.ts';
import { ErrorText } from './ErrorText.tsx';
import { PersonName } from './PersonName.tsx';
import { useAnnounce } from './Status.tsx';

/** Pending requests for access to a document or folder (owners): grant or decline. */
export function AccessRequests({ resourceId }: { resourceId: string }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const requests = useAccessRequests(resourceId, true);
  const [error, setError] = useState<unknown>(null);
  const decide = async (r: AccessRequest, grant: boolean) => {
    setError(null);
    try {
      await decideAccessRequest(r, grant);
      announce(grant ? t('requests.granted') : t('requests.declined'));
    } catch (err) {
      setError(err);
    }
  };
  const items = requests.data ?? [];
  if (items.length === 0 && !error) return null;
  return (
    <section aria-labelledby="requests-heading">
      <h2 id="requests-heading">{t('requests.heading')}</h2>
      <ErrorText error={error ?? requests.error} />
      <ul className="notifications">
        {items.map((r) => (
          <li key={r.id} className="notification">
            <div className="spacer">
              <strong>
                <PersonName id={r.requesterId} name={r.requesterName} />
              </strong>{' '}
              {t('requests.asks', { role: t(`roles.${r.role}`, { defaultValue: r.role }) })}{' '}
              <time className="muted small" dateTime={r.createdAt}>
                {formatDateTime(r.createdAt)}
              </time>
              {r.message ? <p className="muted">{r.message}</p> : null}
            </div>
            <button type="button" className="primary" onClick={() => void decide(r, true)}>
              {t('requests.grant')}
            </button>
            <button type="button" onClick={() => void decide(r, false)}>
              {t('requests.decline')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** On a document one cannot open: ask its owners for access (the answer never says whether it exists). */
export function RequestAccess({ resource }: { resource: { type: 'folder' | 'document'; id: string } }) {
  const { t } = useTranslation();
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await requestAccess(resource, message.trim() || undefined);
      setSent(true);
    } catch (err) {
      setError(err);
    }
  };
  if (sent) return <p role="status">{t('requests.sent')}</p>;
  return (
    <form className="card" onSubmit={submit}>
      <label htmlFor="access-message">{t('requests.message')}</label>
      <textarea
        id="access-message"
        rows={2}
        maxLength={500}
        value={message}
        onChange={(e) => setMessage(e.target.value)}
      />
      <ErrorText error={error} />
      <button type="submit" className="primary">
        {t('requests.ask')}
      </button>
    </form>
  );
}
