import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { discoverOrganisation, signInPageOf } from '../../api/discovery.ts';
import { ApiError } from '../../api/errors.ts';
import { appHost, organisationUrl, SLUG } from '../../api/host.ts';
import { ErrorText } from '../ErrorText.tsx';

/**
 * On the bare hostname sign-in needs the organisation first: from a work email (the edge finds
 * the organisation that verified its domain, and its region's hostname), or typed by its short
 * name. Either way the app moves to the organisation's hostname, where SSO and passwords are.
 */
export function FindOrganisation() {
  const { t } = useTranslation();
  const host = appHost();
  const [email, setEmail] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [badSlug, setBadSlug] = useState(false);
  const [emailError, setEmailError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const byEmail = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setEmailError(null);
    try {
      location.assign(signInPageOf(await discoverOrganisation(email.trim())));
    } catch (err) {
      setEmailError(err);
      setBusy(false);
    }
  };

  const bySlug = (e: FormEvent) => {
    e.preventDefault();
    const slug = organisation.trim().toLowerCase();
    if (!SLUG.test(slug)) {
      setBadSlug(true);
      return;
    }
    location.assign(organisationUrl(slug));
  };

  const unknownDomain = emailError instanceof ApiError && emailError.code === 'tenant_not_found';
  return (
    <>
      <form onSubmit={byEmail} noValidate>
        <div className="field">
          <label htmlFor="work-email">{t('sso.workEmail')}</label>
          <input
            id="work-email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        {unknownDomain ? (
          <p className="error" role="alert">
            {t('sso.noOrganisationForDomain')}
          </p>
        ) : (
          <ErrorText error={emailError} />
        )}
        <button type="submit" className="primary" disabled={busy || !email.includes('@')}>
          {t('sso.findOrganisation')}
        </button>
      </form>
      <p className="muted">{t('sso.orByName')}</p>
      <form onSubmit={bySlug} noValidate>
        <div className="field">
          <label htmlFor="organisation">{t('signIn.organisation')}</label>
          <input
            id="organisation"
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            aria-describedby="organisation-hint"
            value={organisation}
            onChange={(e) => setOrganisation(e.target.value)}
          />
          <span id="organisation-hint" className="muted">
            {t('signIn.organisationHint', { host: host.served })}
          </span>
        </div>
        {badSlug ? (
          <p className="error" role="alert">
            {t('signIn.badOrganisation')}
          </p>
        ) : null}
        <button type="submit">{t('signIn.continue')}</button>
      </form>
    </>
  );
}
