import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../shared/i18n.ts';
import { useCommentHistory } from '../../api/comments.ts';
import { ErrorText } from '../ErrorText.tsx';

/** Earlier texts of an edited comment, oldest first. */
export function History({ id }: { id: string }) {
  const { t } = useTranslation();
  const history = useCommentHistory(id);
  return (
    <div className="history">
      <ErrorText error={history.error} />
      <ol aria-label={t('comments.history')}>
        {(history.data ?? []).map((h) => (
          <li key={h.revision}>
            <span className="muted small">
              {t('comments.revision', { revision: h.revision, when: formatDateTime(h.replacedAt) })}
            </span>
            <p className="comment-body">{h.body}</p>
          </li>
        ))}
      </ol>
    </div>
  );
}
