import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommentAnchor } from '../../api/comments.ts';

/** What the composer's anchor fields hold: nothing, or a page and/or a quoted passage. */
export interface AnchorDraft {
  page: string;
  quote: string;
}
export const NO_ANCHOR: AnchorDraft = { page: '', quote: '' };

/** The draft as the API's anchor on the current version, or undefined when it points nowhere. */
export function toAnchor(draft: AnchorDraft, versionId: string): CommentAnchor | undefined {
  const page = Number.parseInt(draft.page, 10);
  const quote = draft.quote.trim();
  if (!(page >= 1) && !quote) return undefined;
  return { versionId, ...(page >= 1 ? { page } : {}), ...(quote ? { quote } : {}) };
}

/**
 * Optional: what a new thread is about, on the current version: a page, and/or a passage
 * quoted from it. (The cell also takes character offsets into the extracted text, which the app
 * cannot show yet, so it sends the quote only.)
 */
export function AnchorFields({
  value,
  onChange,
}: {
  value: AnchorDraft;
  onChange: (v: AnchorDraft) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <details className="anchor-fields">
      <summary>{t('anchors.add')}</summary>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-page`}>{t('anchors.pageLabel')}</label>
          <input
            id={`${id}-page`}
            type="number"
            inputMode="numeric"
            min={1}
            max={100_000}
            value={value.page}
            onChange={(e) => onChange({ ...value, page: e.target.value })}
          />
        </div>
        <div className="field spacer">
          <label htmlFor={`${id}-quote`}>{t('anchors.quoteLabel')}</label>
          <input
            id={`${id}-quote`}
            maxLength={500}
            value={value.quote}
            onChange={(e) => onChange({ ...value, quote: e.target.value })}
          />
        </div>
      </div>
      <p className="muted small">{t('anchors.hint')}</p>
    </details>
  );
}
