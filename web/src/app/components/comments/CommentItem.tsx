import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../shared/i18n.ts';
import { type Comment, deleteComment, editComment } from '../../api/comments.ts';
import { ErrorText } from '../ErrorText.tsx';
import { PersonName } from '../PersonName.tsx';
import { useAnnounce } from '../Status.tsx';
import { CommentBody } from './CommentBody.tsx';
import { History } from './History.tsx';

/** One comment: its author (by the name the cell gave), text, and what the caller may do with it. */
export function CommentItem({ c, onReply }: { c: Comment; onReply?: () => void }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [editing, setEditing] = useState<string | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const editId = useId();

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
    <article className="comment" aria-label={t('comments.by', { when: formatDateTime(c.createdAt) })}>
      <header className="row">
        <strong>
          <PersonName id={c.authorId} name={c.authorName} />
        </strong>
        <span className="muted small">{formatDateTime(c.createdAt)}</span>
        {c.editedAt ? <span className="muted small">{t('comments.edited')}</span> : null}
      </header>
      {editing !== null ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await editComment(c, editing);
              setEditing(null);
            }, t('document.saved'));
          }}
        >
          <label htmlFor={editId} className="visually-hidden">
            {t('comments.editLabel')}
          </label>
          <textarea id={editId} rows={3} value={editing} onChange={(e) => setEditing(e.target.value)} />
          <div className="row">
            <button type="submit" className="primary">
              {t('common.save')}
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <CommentBody c={c} />
      )}
      <ErrorText error={error} />
      {c.deletedAt ? null : (
        <div className="row comment-actions">
          {onReply ? (
            <button type="button" className="link" onClick={onReply}>
              {t('comments.reply')}
            </button>
          ) : null}
          {c.abilities.edit && editing === null ? (
            <button type="button" className="link" onClick={() => setEditing(c.body ?? '')}>
              {t('comments.edit')}
            </button>
          ) : null}
          {c.revision > 1 ? (
            <button
              type="button"
              className="link"
              aria-expanded={showHistory}
              onClick={() => setShowHistory(!showHistory)}
            >
              {t('comments.showHistory')}
            </button>
          ) : null}
          {c.abilities.delete ? (
            <button
              type="button"
              className="link danger"
              onClick={() => {
                if (confirm(t('comments.confirmDelete')))
                  void run(() => deleteComment(c), t('comments.deletedDone'));
              }}
            >
              {t('comments.delete')}
            </button>
          ) : null}
        </div>
      )}
      {showHistory ? <History id={c.id} /> : null}
    </article>
  );
}
