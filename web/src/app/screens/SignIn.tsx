import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { appHost } from '../api/host.ts';
import { SecondFactorRequired, signIn, signInOptions, useMe } from '../api/session.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { FindOrganisation } from '../components/signin/FindOrganisation.tsx';
import { SecondFactorStep } from '../components/signin/SecondFactorStep.tsx';
import { SsoChoices } from '../components/signin/SsoChoices.tsx';
import { SsoLandingError } from '../components/signin/SsoLandingError.tsx';

/**
 * Sign-in. On the bare hostname the organisation comes first (from a work email, or its name):
 * the app moves to `<organisation>.<hostname>`, where the edge routes (and redirects
 * strict-residency organisations to their region's hostname). There, the organisation's
 * identity providers (single sign-on) and, unless it signs in with SSO only, email and
 * password; a login that owes a second factor continues with a code. Break-glass sign-in has
 * its own page, offered when SSO is unavailable.
 */
export function SignIn() {
  const { t } = useTranslation();
  const me = useMe();
  const host = appHost();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from ?? '/';
  const [challenge, setChallenge] = useState<SecondFactorRequired | null>(null);

  // Once a second factor is under way, the step stays until it is done (recovery codes).
  if (me && !challenge) return <Navigate to={from} replace />;

  return (
    <main id="main" className="signin card">
      <h1>{t('signIn.title')}</h1>
      {!host.slug ? (
        <FindOrganisation />
      ) : challenge ? (
        <SecondFactorStep challenge={challenge} onDone={() => navigate(from, { replace: true })} />
      ) : (
        <OrganisationSignIn slug={host.slug} served={host.served} from={from} onChallenge={setChallenge} />
      )}
      <div className="row end">
        <LanguagePicker />
      </div>
    </main>
  );
}

function OrganisationSignIn({
  slug,
  served,
  from,
  onChallenge,
}: {
  slug: string;
  served: string;
  from: string;
  onChallenge: (c: SecondFactorRequired) => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const options = useQuery({ queryKey: ['sign-in-options'], queryFn: signInOptions, retry: false });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Without the options (an older cell, the network) the password form is still offered.
  const passwords = options.data?.passwordLogin !== 'sso_only';
  const hasSso = (options.data?.sso.length ?? 0) > 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      navigate(from, { replace: true });
    } catch (err) {
      if (err instanceof SecondFactorRequired) onChallenge(err);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="muted">{t('signIn.organisationIs', { organisation: slug })}</p>
      <SsoLandingError />
      {options.data ? <SsoChoices options={options.data} returnTo={from} /> : null}
      {passwords ? (
        <form onSubmit={submit} noValidate>
          {hasSso ? <h2>{t('sso.withPassword')}</h2> : null}
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
        </form>
      ) : options.data ? (
        <p>{t('sso.ssoOnly')}</p>
      ) : null}
      <p className="row">
        <a href={`${location.protocol}//${served}${location.port ? `:${location.port}` : ''}/sign-in`}>
          {t('signIn.otherOrganisation')}
        </a>
        {hasSso && !options.data?.ssoUnavailable ? (
          <Link to="/break-glass" className="small">
            {t('sso.breakGlassLink')}
          </Link>
        ) : null}
      </p>
    </>
  );
}
