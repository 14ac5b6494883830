import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { Comment } from '../../api/comments.ts';

/** A comment's text with its mention markers (`@[usr_…]`) shown as the names the cell gave. */
export function CommentBody({ c }: { c: Comment }) {
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
