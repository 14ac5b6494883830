import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { type LinkPolicy, type ShareLink, updateShareLink } from '../api/sharing.ts';
import { ErrorText } from './ErrorText.tsx';
import { useAnnounce } from './Status.tsx';

const DAY_MS = 86_400_000;

/** A date input's value (the user's time zone) for a moment, and back as the end of that day. */
export const dateValue = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
export const endOfDay = (value: string) => new Date(`${value}T23:59:59`);

/** The last day the organisation's policy allows a link to live to, from today. */
export const lastAllowedDay = (policy: LinkPolicy | undefined) =>
  policy ? dateValue(new Date(Date.now() + policy.maxExpiryDays * DAY_MS)) : undefined;

type PasswordChoice = 'keep' | 'set' | 'remove';

/**
 * Changing an active link: its expiry (within the organisation's policy, which the date field
 * bounds and the cell enforces), its password (keep, set a new one, remove it) and its download
 * limit (empty: none). Only what changed is sent.
 */
export function ShareLinkEdit({
  resource,
  link,
  policy,
  onDone,
}: {
  resource: { type: 'folder' | 'document'; id: string };
  link: ShareLink;
  policy: LinkPolicy | undefined;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const id = useId();
  const initialExpiry = link.expiresAt ? dateValue(new Date(link.expiresAt)) : '';
  const [expires, setExpires] = useState(initialExpiry);
  const [choice, setChoice] = useState<PasswordChoice>('keep');
  const [password, setPassword] = useState('');
  const [max, setMax] = useState(link.maxDownloads === null ? '' : String(link.maxDownloads));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const choices: [PasswordChoice, string][] = link.hasPassword
    ? [
        ['keep', t('linkEdit.keepPassword')],
        ['set', t('linkEdit.changePassword')],
        ['remove', t('linkEdit.removePassword')],
      ]
    : [
        ['keep', t('linkEdit.keepNoPassword')],
        ['set', t('linkEdit.addPassword')],
      ];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const change: Parameters<typeof updateShareLink>[2] = {};
    if (expires && expires !== initialExpiry) change.expiresAt = endOfDay(expires).toISOString();
    if (choice === 'set') change.password = password;
    if (choice === 'remove') change.password = null;
    const limit = max.trim() === '' ? null : Number(max);
    if (limit !== link.maxDownloads) change.maxDownloads = limit;
    if (Object.keys(change).length === 0) return onDone();
    setBusy(true);
    setError(null);
    try {
      await updateShareLink(resource, link.id, change);
      announce(t('linkEdit.saved'));
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card"
      onSubmit={submit}
      aria-label={t('linkEdit.formLabel', { when: formatDateTime(link.createdAt) })}
    >
      <h3>{t('linkEdit.heading', { when: formatDateTime(link.createdAt) })}</h3>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-expires`}>{t('linkEdit.expires')}</label>
          <input
            id={`${id}-expires`}
            type="date"
            required
            min={dateValue(new Date())}
            max={lastAllowedDay(policy)}
            aria-describedby={policy ? `${id}-policy` : undefined}
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
          {policy ? (
            <span id={`${id}-policy`} className="muted small">
              {t('linkEdit.policy', { count: policy.maxExpiryDays })}
            </span>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-max`}>{t('linkEdit.maxDownloads')}</label>
          <input
            id={`${id}-max`}
            type="number"
            min={1}
            inputMode="numeric"
            value={max}
            onChange={(e) => setMax(e.target.value)}
          />
        </div>
      </div>
      <fieldset>
        <legend>{t('linkEdit.password')}</legend>
        {choices.map(([c, label]) => (
          <label key={c} className="row">
            <input
              type="radio"
              name={`${id}-password-choice`}
              value={c}
              checked={choice === c}
              onChange={() => setChoice(c)}
            />
            {label}
          </label>
        ))}
        {choice === 'set' ? (
          <div className="field">
            <label htmlFor={`${id}-password`}>{t('linkEdit.newPassword')}</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
        ) : null}
      </fieldset>
      <ErrorText error={error} />
      <div className="row">
        <button
          type="submit"
          className="primary"
          disabled={busy || (choice === 'set' && password.length < 8)}
        >
          {t('common.save')}
        </button>
        <button type="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
