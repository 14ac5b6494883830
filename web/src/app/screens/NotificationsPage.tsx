import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDateTime } from '../../shared/i18n.ts';
import {
  type Notification,
  type NotificationPreference,
  readAll,
  savePreferences,
  setRead,
  useNotifications,
  usePreferences,
} from '../api/notifications.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { PersonName } from '../components/PersonName.tsx';
import { useAnnounce } from '../components/Status.tsx';

/** Where a notification leads: the document or folder it is about (opaque ids only). */
function target(n: Notification): string | null {
  switch (n.kind) {
    case 'mention':
    case 'reply':
      return `/documents/${n.data.documentId}`;
    case 'access_decided':
      return n.data.decision === 'granted' ? `/${n.data.resourceType}s/${n.data.resourceId}` : null;
    default:
      if (n.resourceType === 'document' && n.resourceId) return `/documents/${n.resourceId}`;
      if (n.resourceType === 'folder' && n.resourceId) return `/folders/${n.resourceId}`;
      return null;
  }
}

/** What happened, in the reader's language, from the kind and its data. */
function useText() {
  const { t } = useTranslation();
  return (n: Notification): string => {
    switch (n.kind) {
      case 'mention':
      case 'reply':
        return t(`notifications.kinds.${n.kind}`, { title: n.data.documentTitle });
      case 'share':
      case 'access_request':
        return t(`notifications.kinds.${n.kind}`, { title: n.data.title });
      case 'access_decided':
        return n.data.decision === 'granted'
          ? t('notificationText.accessGranted', { title: n.data.title ?? '' })
          : t('notificationText.accessDeclined');
      case 'hold_blocked':
        return t('notificationText.holdBlocked');
      default:
        return t(`notifications.kinds.${n.kind}`);
    }
  };
}

function Item({ n, onError }: { n: Notification; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const to = target(n);
  const text = useText()(n);
  const excerpt = n.kind === 'mention' || n.kind === 'reply' ? n.data.excerpt : '';
  const unread = n.readAt === null;
  const toggle = () => setRead(n.id, unread).catch(onError);
  return (
    <li className={`notification${unread ? ' unread' : ''}`}>
      <div className="spacer">
        {unread ? <span className="badge">{t('notifications.new')}</span> : null}{' '}
        {n.actorId ? (
          <strong>
            <PersonName id={n.actorId} name={n.actorName} />
          </strong>
        ) : null}{' '}
        {to ? (
          <Link to={to} onClick={() => unread && void toggle()}>
            {text}
          </Link>
        ) : (
          text
        )}
        {excerpt ? <p className="muted">{excerpt}</p> : null}
        <time className="muted small" dateTime={n.createdAt}>
          {formatDateTime(n.createdAt)}
        </time>
      </div>
      <button type="button" className="link" onClick={() => void toggle()}>
        {unread ? t('notifications.markRead') : t('notifications.markUnread')}
      </button>
    </li>
  );
}

const EMAIL: NotificationPreference['email'][] = ['off', 'instant', 'digest'];

function Preferences() {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const prefs = usePreferences();
  const [error, setError] = useState<unknown>(null);
  const kindName = (kind: NotificationPreference['kind']) =>
    kind === 'hold_blocked' ? t('notificationText.holdKind') : t(`notifications.kindNames.${kind}`);
  const change = async (p: NotificationPreference) => {
    setError(null);
    try {
      await savePreferences([p]);
      announce(t('document.saved'));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="prefs-heading">
      <h2 id="prefs-heading">{t('notifications.preferences')}</h2>
      <ErrorText error={error ?? prefs.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('notifications.kind')}</th>
              <th>{t('notifications.inApp')}</th>
              <th>{t('notifications.email')}</th>
            </tr>
          </thead>
          <tbody>
            {(prefs.data ?? []).map((p) => (
              <tr key={p.kind}>
                <td>{kindName(p.kind)}</td>
                <td>
                  <input
                    type="checkbox"
                    checked={p.inApp}
                    aria-label={t('notifications.inAppFor', { kind: kindName(p.kind) })}
                    onChange={(e) => void change({ ...p, inApp: e.target.checked })}
                  />
                </td>
                <td>
                  <select
                    value={p.email}
                    aria-label={t('notifications.emailFor', { kind: kindName(p.kind) })}
                    onChange={(e) =>
                      void change({ ...p, email: e.target.value as NotificationPreference['email'] })
                    }
                  >
                    {EMAIL.map((m) => (
                      <option key={m} value={m}>
                        {t(`notifications.emailModes.${m}`)}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The person's notifications: unread first filter, read/unread, mark all read; preferences. */
export default function NotificationsPage() {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useNotifications(unreadOnly);
  const [error, setError] = useState<unknown>(null);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const unread = list.data?.pages[0]?.unreadCount ?? 0;
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">{t('notifications.title')}</h1>
      <div className="row">
        <span className="spacer">{t('notifications.unread', { count: unread })}</span>
        <label className="row">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} />
          {t('notifications.unreadOnly')}
        </label>
        <button
          type="button"
          disabled={unread === 0}
          onClick={() =>
            void readAll()
              .then(() => announce(t('notifications.allRead')))
              .catch(setError)
          }
        >
          {t('notifications.markAllRead')}
        </button>
      </div>
      <ErrorText error={error ?? list.error} />
      {list.data && items.length === 0 ? <p className="muted">{t('notifications.none')}</p> : null}
      <ul className="notifications" aria-label={t('notifications.title')}>
        {items.map((n) => (
          <Item key={n.id} n={n} onError={setError} />
        ))}
      </ul>
      <LoadMore query={list} />
      <Preferences />
    </section>
  );
}
