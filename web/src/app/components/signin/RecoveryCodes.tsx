import { useTranslation } from 'react-i18next';

/** Recovery codes of an enrolment made during sign-in: shown once, before going on. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      <h2>{t('account.recoveryCodes')}</h2>
      <p>{t('account.recoveryOnce')}</p>
      <ul className="codes" aria-label={t('account.recoveryCodes')}>
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" className="primary" onClick={onDone}>
        {t('account.savedThem')}
      </button>
    </>
  );
}
