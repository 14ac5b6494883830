import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../../shared/i18n.ts';
import { type IdentitySettings, saveIdentitySettings, useIdentitySettings } from '../../../api/identity.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useRun } from '../../../components/useRun.ts';

/** The sign-in policy: who needs a second factor, whether passwords work, trusting the IdP's MFA. */
export function Settings() {
  const { t } = useTranslation();
  const settings = useIdentitySettings(true);
  const { error, run } = useRun();
  const s = settings.data;
  const save = (change: Partial<Pick<IdentitySettings, 'mfaRequired' | 'passwordLogin' | 'trustIdpMfa'>>) =>
    void run(() => saveIdentitySettings(change), t('document.saved'));
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">{t('identity.settings')}</h2>
      <ErrorText error={error ?? settings.error} />
      {s ? (
        <div className="card">
          <div className="field">
            <label htmlFor="mfa-policy">{t('identity.mfaPolicy')}</label>
            <select
              id="mfa-policy"
              value={s.mfaRequired}
              onChange={(e) => save({ mfaRequired: e.target.value as IdentitySettings['mfaRequired'] })}
            >
              {(['off', 'admins', 'all'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`identity.mfa.${v}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="password-login">{t('identity.passwordLogin')}</label>
            <select
              id="password-login"
              value={s.passwordLogin}
              onChange={(e) => save({ passwordLogin: e.target.value as IdentitySettings['passwordLogin'] })}
            >
              {(['allowed', 'sso_only'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`identity.password.${v}`)}
                </option>
              ))}
            </select>
          </div>
          <label className="row">
            <input
              type="checkbox"
              checked={s.trustIdpMfa}
              onChange={(e) => save({ trustIdpMfa: e.target.checked })}
            />
            {t('identity.trustIdpMfa')}
          </label>
          {s.ssoUnavailable ? (
            <p className="warning">
              {t('identity.ssoUnavailable', {
                until: s.ssoUnavailableUntil ? formatDateTime(s.ssoUnavailableUntil) : '—',
              })}
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
