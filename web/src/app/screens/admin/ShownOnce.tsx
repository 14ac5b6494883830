import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useAnnounce } from '../../components/Status.tsx';

/**
 * A secret the cell shows only once (a webhook's signing secret, a SCIM token): to copy now,
 * then dismissed; it cannot be shown again.
 */
export function ShownOnce({
  label,
  value,
  note,
  onDone,
}: {
  label: string;
  value: string;
  note: string;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      announce(t('integrations.copied'));
    } catch {
      document.getElementById(id)?.focus();
    }
  };
  return (
    <div className="card warning" data-shown-once>
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} className="spacer secret" readOnly value={value} onFocus={(e) => e.target.select()} />
        <button type="button" onClick={() => void copy()}>
          {t('integrations.copy')}
        </button>
      </div>
      <p className="muted small">{note}</p>
      <button type="button" className="primary" onClick={onDone}>
        {t('integrations.savedIt')}
      </button>
    </div>
  );
}
