import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { appHost, organisationUrl, SLUG } from '../api/host.ts';
import { SecondFactorRequired, signIn, useMe, verifySecondFactor } from '../api/session.ts';
import { ErrorText } from '../components/ErrorText.tsx';

/**
 * Sign in with email and password. On the bare hostname the organisation comes first: the app
 * moves to `<organisation>.<hostname>`, where the edge routes (and redirects strict-residency
 * organisations to their region's hostname). A login that owes a second factor continues with
 * a code field (TOTP or a recovery code) for the challenge; SSO and break-glass are still to come.
 */
export function SignIn() {
  const { t } = useTranslation();
  const me = useMe();
  const host = appHost();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<SecondFactorRequired | null>(null);
  const [code, setCode] = useState('');

  if (me) return <Navigate to={from} replace />;

  const submitOrganisation = (e: FormEvent) => {
    e.preventDefault();
    const slug = organisation.trim().toLowerCase();
    if (!SLUG.test(slug)) {
      setError(new Error('slug'));
      return;
    }
    location.assign(organisationUrl(slug));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (challenge) await verifySecondFactor(challenge.mfaToken, code.trim());
      else await signIn(email.trim(), password);
      navigate(from, { replace: true });
    } catch (err) {
      if (err instanceof SecondFactorRequired) setChallenge(err);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin card">
      <h1>{t('signIn.title')}</h1>
      {host.slug && challenge ? (
        <form onSubmit={submit} noValidate>
          <h2>{t('signIn.secondFactor')}</h2>
          {challenge.enrollmentRequired ? (
            <p className="error" role="alert">
              {t('signIn.enrolFirst')}
            </p>
          ) : (
            <>
              <div className="field">
                <label htmlFor="code">{t('signIn.code')}</label>
                <input
                  id="code"
                  autoComplete="one-time-code"
                  inputMode="text"
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              </div>
              <ErrorText error={error} />
              <button type="submit" className="primary" disabled={busy || !code.trim()}>
                {t('signIn.verify')}
              </button>
            </>
          )}
        </form>
      ) : host.slug ? (
        <form onSubmit={submit} noValidate>
          <p className="muted">{t('signIn.organisationIs', { organisation: host.slug })}</p>
          <div className="field">
            <label htmlFor="email">{t('signIn.email')}</label>
            <input
              id="email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="password">{t('signIn.password')}</label>
            <input
              id="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <ErrorText error={error} />
          <button type="submit" className="primary" disabled={busy || !email || !password}>
            {busy ? t('signIn.signingIn') : t('signIn.submit')}
          </button>
          <p>
            <a
              href={`${location.protocol}//${host.served}${location.port ? `:${location.port}` : ''}/sign-in`}
            >
              {t('signIn.otherOrganisation')}
            </a>
          </p>
        </form>
      ) : (
        <form onSubmit={submitOrganisation} noValidate>
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
          {error ? (
            <p className="error" role="alert">
              {t('signIn.badOrganisation')}
            </p>
          ) : null}
          <button type="submit" className="primary">
            {t('signIn.continue')}
          </button>
        </form>
      )}
      <div className="row end">
        <LanguagePicker />
      </div>
    </main>
  );
}
