import { createContext, type FormEvent, Fragment, useContext, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { useActivity } from '../api/activity.ts';
import {
  addComment,
  type Comment,
  deleteComment,
  editComment,
  type MentionRefusal,
  mentionRefusal,
  setResolved,
  shareForMention,
  useCommentHistory,
  useComments,
} from '../api/comments.ts';
import { usePresence } from '../api/live.ts';
import { ErrorText } from './ErrorText.tsx';
import { MentionInput, type Picked, toMarkers } from './MentionInput.tsx';
import { PersonName } from './PersonName.tsx';
import { useAnnounce } from './Status.tsx';

/**
 * Names of the people on this page, for those who cannot read the directory (it is for admins):
 * the comments' mentions, who is viewing, and the activity's actors. A comment carries its
 * author's id only (see the report: the API could present the name).
 */
const Names = createContext<Map<string, string>>(new Map());

function useKnownNames(documentId: string, comments: Comment[]): Map<string, string> {
  const viewers = usePresence(documentId);
  const activity = useActivity({ type: 'document', id: documentId });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const page of activity.data?.pages ?? [])
      for (const a of page.items) if (a.actor.name) names.set(a.actor.id, a.actor.name);
    for (const c of comments) for (const m of c.mentions) names.set(m.id, m.name);
    for (const v of viewers) names.set(v.userId, v.name);
    return names;
  }, [activity.data, comments, viewers]);
}

/** A comment's text with its mention markers (`@[usr_…]`) shown as names. */
function Body({ c }: { c: Comment }) {
  const { t } = useTranslation();
  if (c.body === null) return <p className="muted">{t('comments.deleted')}</p>;
  const parts = c.body.split(/(@\[(?:usr|grp)_[0-9a-z]+\])/);
  return (
    <p className="comment-body">
      {parts.map((part, i) => {
        const m = /^@\[((?:usr|grp)_[0-9a-z]+)\]$/.exec(part);
        const who = m ? c.mentions.find((x) => x.id === m[1]) : undefined;
        return m ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text, always in this order
          <strong key={i} className="mention">
            @{who?.name ?? m[1]}
          </strong>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text, always in this order
          <Fragment key={i}>{part}</Fragment>
        );
      })}
    </p>
  );
}

/**
 * Writes a comment (or a reply), with mentions. A mention of someone who cannot read the
 * document is refused by the cell (409 `mention_without_access`): the refusal is shown with the
 * cell's offer to share the document with them first (owners), then the comment is sent again.
 */
function Composer({
  documentId,
  parentId,
  onDone,
}: {
  documentId: string;
  parentId?: string;
  onDone?: () => void;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<Picked[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [refusal, setRefusal] = useState<MentionRefusal | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async () => {
    setError(null);
    setRefusal(null);
    setBusy(true);
    try {
      await addComment(documentId, toMarkers(text.trim(), picked), parentId);
      setText('');
      setPicked([]);
      announce(parentId ? t('comments.replied') : t('comments.posted'));
      onDone?.();
    } catch (err) {
      const r = mentionRefusal(err);
      if (r) setRefusal(r);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) void send();
  };

  const shareAndSend = async () => {
    if (!refusal) return;
    setBusy(true);
    try {
      await shareForMention(refusal);
      announce(t('permissions.shared'));
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    await send();
  };

  const names = [...(refusal?.users ?? []), ...(refusal?.groups ?? [])].map((x) => x.name).join(', ');
  return (
    <form className="composer" onSubmit={submit}>
      <MentionInput
        id={id}
        label={parentId ? t('comments.reply') : t('comments.new')}
        documentId={documentId}
        value={text}
        onChange={setText}
        onPick={(p) => setPicked((list) => [...list.filter((x) => x.name !== p.name), p])}
        required
      />
      {refusal ? (
        <div className="card warning" role="alert">
          <p>{t('comments.noAccessFor', { names })}</p>
          {refusal.canShare ? (
            <div className="row">
              <button type="button" className="primary" disabled={busy} onClick={() => void shareAndSend()}>
                {t('comments.shareAndPost')}
              </button>
              <button type="button" onClick={() => setRefusal(null)}>
                {t('common.cancel')}
              </button>
            </div>
          ) : (
            <p>{t('comments.askOwner')}</p>
          )}
        </div>
      ) : null}
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {parentId ? t('comments.sendReply') : t('comments.post')}
        </button>
        {onDone ? (
          <button type="button" onClick={onDone}>
            {t('common.cancel')}
          </button>
        ) : null}
      </div>
    </form>
  );
}

function History({ id }: { id: string }) {
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

function CommentItem({ c, onReply }: { c: Comment; onReply?: () => void }) {
  const { t } = useTranslation();
  const names = useContext(Names);
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
          <PersonName id={c.authorId} known={names.get(c.authorId)} />
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
        <Body c={c} />
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

function Thread({ top, replies }: { top: Comment; replies: Comment[] }) {
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

/** A document's comment threads, oldest first; new ones arrive live (`api/live.ts`). */
export function Comments({ documentId }: { documentId: string }) {
  const { t } = useTranslation();
  const comments = useComments(documentId);
  const [showResolved, setShowResolved] = useState(true);
  const all = useMemo(() => comments.data ?? [], [comments.data]);
  const names = useKnownNames(documentId, all);
  const tops = all.filter((c) => c.parentId === null && (showResolved || c.resolvedAt === null));
  const repliesOf = (id: string) => all.filter((c) => c.threadId === id && c.id !== id);
  return (
    <Names.Provider value={names}>
      <div className="comments">
        <ErrorText error={comments.error} />
        <div className="row">
          <span className="spacer muted">
            {t('comments.count', { count: all.filter((c) => !c.parentId).length })}
          </span>
          <label className="row">
            <input
              type="checkbox"
              checked={showResolved}
              onChange={(e) => setShowResolved(e.target.checked)}
            />
            {t('comments.showResolved')}
          </label>
        </div>
        {tops.length === 0 && comments.data ? <p className="muted">{t('comments.none')}</p> : null}
        <ul className="threads" aria-label={t('comments.threads')}>
          {tops.map((top) => (
            <Thread key={top.id} top={top} replies={repliesOf(top.id)} />
          ))}
        </ul>
        <Composer documentId={documentId} />
      </div>
    </Names.Provider>
  );
}
