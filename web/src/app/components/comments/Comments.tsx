import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useComments } from '../../api/comments.ts';
import { ErrorText } from '../ErrorText.tsx';
import { Composer } from './Composer.tsx';
import { Thread } from './Thread.tsx';

/**
 * A document's comment threads, oldest first; new ones arrive live (`api/live.ts`). Every
 * comment carries its author's name and its mentions' names, so no directory is needed. New
 * threads may point at a page or passage of the current version (`versionId`).
 */
export function Comments({ documentId, versionId }: { documentId: string; versionId: string }) {
  const { t } = useTranslation();
  const comments = useComments(documentId);
  const [showResolved, setShowResolved] = useState(true);
  const all = useMemo(() => comments.data ?? [], [comments.data]);
  const tops = all.filter((c) => c.parentId === null && (showResolved || c.resolvedAt === null));
  const repliesOf = (id: string) => all.filter((c) => c.threadId === id && c.id !== id);
  return (
    <div className="comments">
      <ErrorText error={comments.error} />
      <div className="row">
        <span className="spacer muted">
          {t('comments.count', { count: all.filter((c) => !c.parentId).length })}
        </span>
        <label className="row">
          <input type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} />
          {t('comments.showResolved')}
        </label>
      </div>
      {tops.length === 0 && comments.data ? <p className="muted">{t('comments.none')}</p> : null}
      <ul className="threads" aria-label={t('comments.threads')}>
        {tops.map((top) => (
          <Thread key={top.id} top={top} replies={repliesOf(top.id)} />
        ))}
      </ul>
      <Composer documentId={documentId} versionId={versionId} />
    </div>
  );
}
