import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type MentionSuggestion, suggestMentions } from '../api/comments.ts';

/**
 * A comment box with mention autocomplete: typing `@` and a few letters asks the cell for
 * people and groups (POST /v1/mentions/suggest), ↑/↓ pick, Enter or Tab inserts `@Name`.
 * The chosen names become markers (`@[usr_…]`) when the comment is sent (`toMarkers`).
 */
export interface Picked {
  name: string;
  marker: string;
}

const QUERY = /(^|\s)@([^\s@[\]]{1,40})$/;

export function toMarkers(text: string, picked: Picked[]): string {
  let out = text;
  // Longest names first, so "@Ann Lee" is not taken for "@Ann".
  for (const p of [...picked].sort((a, b) => b.name.length - a.name.length))
    out = out.split(`@${p.name}`).join(p.marker);
  return out;
}

export function MentionInput({
  id,
  label,
  documentId,
  value,
  onChange,
  onPick,
  required,
}: {
  id: string;
  label: string;
  documentId: string;
  value: string;
  onChange: (v: string) => void;
  onPick: (p: Picked) => void;
  required?: boolean;
}) {
  const { t } = useTranslation();
  const listId = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [query, setQuery] = useState<string | null>(null);
  const [options, setOptions] = useState<MentionSuggestion[]>([]);
  const [active, setActive] = useState(0);

  useEffect(() => {
    if (!query) {
      setOptions([]);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      suggestMentions(documentId, query)
        .then((found) => {
          if (!stale) {
            setOptions(found);
            setActive(0);
          }
        })
        .catch(() => !stale && setOptions([]));
    }, 150);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [query, documentId]);

  const update = (text: string, caret: number) => {
    onChange(text);
    const m = QUERY.exec(text.slice(0, caret));
    setQuery(m?.[2] ?? null);
  };

  const pick = (o: MentionSuggestion) => {
    const el = ref.current;
    const caret = el?.selectionStart ?? value.length;
    const before = value.slice(0, caret).replace(/@([^\s@[\]]{1,40})$/, `@${o.name} `);
    const next = before + value.slice(caret);
    onChange(next);
    onPick({ name: o.name, marker: o.marker });
    setQuery(null);
    setOptions([]);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(before.length, before.length);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (options.length === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      const o = options[active];
      if (o) pick(o);
    } else if (e.key === 'Escape') {
      setQuery(null);
      setOptions([]);
    }
  };

  const open = options.length > 0;
  return (
    <div className="mention-input">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        ref={ref}
        rows={3}
        maxLength={10_000}
        required={required}
        value={value}
        aria-autocomplete="list"
        aria-controls={listId}
        aria-activedescendant={open ? `${listId}-${active}` : undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => update(e.target.value, e.target.selectionStart)}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOptions([]), 150)}
      />
      <span id={`${id}-hint`} className="muted small">
        {t('comments.mentionHint')}
      </span>
      <div
        id={listId}
        role="listbox"
        aria-label={t('comments.suggestions')}
        className="suggestions"
        hidden={!open}
      >
        {options.map((o, i) => (
          <div
            key={`${o.type}-${o.id}`}
            id={`${listId}-${i}`}
            role="option"
            tabIndex={-1}
            aria-selected={i === active}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(o);
            }}
          >
            {o.name}
            {o.email ? <span className="muted"> {o.email}</span> : null}
            {o.type === 'group' ? <span className="muted"> ({t('comments.group')})</span> : null}
            {o.canRead === false ? <span className="muted"> · {t('comments.noAccess')}</span> : null}
          </div>
        ))}
      </div>
      <span className="visually-hidden" aria-live="polite">
        {open ? t('comments.suggestionCount', { count: options.length }) : ''}
      </span>
    </div>
  );
}
