import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { addComment, type MentionRefusal, mentionRefusal, shareForMention } from '../../api/comments.ts';
import { ErrorText } from '../ErrorText.tsx';
import { MentionInput, type Picked, toMarkers } from '../MentionInput.tsx';
import { useAnnounce } from '../Status.tsx';
import { type AnchorDraft, AnchorFields, NO_ANCHOR, toAnchor } from './AnchorFields.tsx';

/**
 * Writes a comment (or a reply), with mentions; a new thread may point at a page or a passage
 * of the current version (`versionId`). A mention of someone who cannot read the document is
 * refused by the cell (409 `mention_without_access`): the refusal is shown with the cell's
 * offer to share the document with them first (owners), then the comment is sent again.
 */
export function Composer({
  documentId,
  versionId,
  parentId,
  onDone,
}: {
  documentId: string;
  /** The current version, for anchors: new threads only (a reply is about its thread). */
  versionId?: string;
  parentId?: string;
  onDone?: () => void;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<Picked[]>([]);
  const [anchor, setAnchor] = useState<AnchorDraft>(NO_ANCHOR);
  const [round, setRound] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [refusal, setRefusal] = useState<MentionRefusal | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async () => {
    setError(null);
    setRefusal(null);
    setBusy(true);
    try {
      await addComment(documentId, toMarkers(text.trim(), picked), {
        parentId,
        anchor: versionId ? toAnchor(anchor, versionId) : undefined,
      });
      setText('');
      setPicked([]);
      setAnchor(NO_ANCHOR);
      setRound((r) => r + 1);
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
      {versionId && !parentId ? <AnchorFields key={round} value={anchor} onChange={setAnchor} /> : null}
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
