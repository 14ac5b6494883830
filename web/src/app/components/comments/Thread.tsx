import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Comment, setResolved } from '../../api/comments.ts';
import { ErrorText } from '../ErrorText.tsx';
import { useAnnounce } from '../Status.tsx';
import { AnchorLabel } from './AnchorLabel.tsx';
import { CommentItem } from './CommentItem.tsx';
import { Composer } from './Composer.tsx';

/** A thread: what it is about (its anchor), its first comment and replies, reply, resolve/reopen. */
export function Thread({ top, replies }: { top: Comment; replies: Comment[] }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [replying, setReplying] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const resolved = top.resolvedAt !== null;
  const toggle = async () => {
    setError(null);
    try {
      await setResolved(top, !resolved);
      announce(resolved ? t('comments.reopened') : t('comments.resolvedDone'));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <li className={`thread card${resolved ? ' resolved' : ''}`} data-thread={top.id}>
      {resolved ? <span className="badge">{t('comments.resolved')}</span> : null}
      {top.anchor ? <AnchorLabel anchor={top.anchor} documentId={top.documentId} /> : null}
      <CommentItem c={top} onReply={resolved ? undefined : () => setReplying(true)} />
      {replies.length > 0 ? (
        <ul className="replies" aria-label={t('comments.replies', { count: replies.length })}>
          {replies.map((r) => (
            <li key={r.id}>
              <CommentItem c={r} />
            </li>
          ))}
        </ul>
      ) : null}
      {replying ? (
        <Composer documentId={top.documentId} parentId={top.id} onDone={() => setReplying(false)} />
      ) : null}
      <ErrorText error={error} />
      {top.abilities.resolve ? (
        <div className="row end">
          <button type="button" onClick={() => void toggle()}>
            {resolved ? t('comments.reopen') : t('comments.resolve')}
          </button>
        </div>
      ) : null}
    </li>
  );
}
