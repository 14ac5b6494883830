import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { useActivity } from '../api/activity.ts';
import { ErrorText } from './ErrorText.tsx';
import { LoadMore } from './LoadMore.tsx';

/**
 * What happened to a document or folder, newest first (from the audit trail). Under a folder's
 * documents it pages by its button only (`LoadMore auto={false}`): the documents page on scroll.
 */
export function Activity({ resource }: { resource: { type: 'document' | 'folder'; id: string } }) {
  const { t } = useTranslation();
  const activity = useActivity(resource);
  const items = activity.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div>
      <ErrorText error={activity.error} />
      {activity.data && items.length === 0 ? <p className="muted">{t('activity.none')}</p> : null}
      <ol className="activity" aria-label={t('activity.title')}>
        {items.map((a) => (
          <li key={a.id}>
            <span>
              {t(`activity.verbs.${a.verb}`, {
                who: a.actor.name ?? t(`activity.actors.${a.actor.type}`, { defaultValue: a.actor.type }),
              })}
            </span>{' '}
            <time className="muted small" dateTime={a.at}>
              {formatDateTime(a.at)}
            </time>
          </li>
        ))}
      </ol>
      <LoadMore query={activity} auto={resource.type === 'document'} />
    </div>
  );
}
