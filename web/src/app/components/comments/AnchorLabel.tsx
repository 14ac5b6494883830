import { Fragment, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommentAnchor } from '../../api/comments.ts';
import { useVersions } from '../../api/documents.ts';
import { canShow, usePreviewFocus } from '../PreviewFocus.tsx';

/**
 * Where a thread points, in words: "page 3 · on version 2 · “the quoted passage”" (or the
 * character range when no quote came with it). The page is a button that brings the preview
 * into view at that page when the preview can show it; otherwise it is just said.
 */
export function AnchorLabel({ anchor, documentId }: { anchor: CommentAnchor; documentId: string }) {
  const { t } = useTranslation();
  const focus = usePreviewFocus();
  // The document page's query: already loaded, no request of its own.
  const versions = useVersions(documentId);
  const parts: { key: string; node: ReactNode }[] = [];
  const { page, versionId, quote, range } = anchor;
  if (page !== undefined) {
    const text = t('anchors.page', { page });
    parts.push({
      key: 'page',
      node: canShow(focus, versionId, page) ? (
        <button
          type="button"
          className="link"
          aria-label={t('anchors.showPage', { page })}
          onClick={() => focus?.show(page)}
        >
          {text}
        </button>
      ) : (
        text
      ),
    });
  }
  if (versionId) {
    const number = versions.data?.find((v) => v.id === versionId)?.number;
    parts.push({
      key: 'version',
      node: number !== undefined ? t('anchors.onVersion', { number }) : t('anchors.onOtherVersion'),
    });
  }
  if (quote) parts.push({ key: 'quote', node: <q>{quote}</q> });
  else if (range)
    parts.push({ key: 'range', node: t('anchors.range', { start: range.start, end: range.end }) });
  if (parts.length === 0) return null;
  return (
    <p className="anchor muted small" data-anchor>
      {t('anchors.about')}{' '}
      {parts.map((p, i) => (
        <Fragment key={p.key}>
          {i > 0 ? ' · ' : null}
          {p.node}
        </Fragment>
      ))}
    </p>
  );
}
