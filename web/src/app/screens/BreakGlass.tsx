import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate } from 'react-router';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { appHost } from '../api/host.ts';
import { breakGlassSignIn, SecondFactorRequired, useMe } from '../api/session.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { SecondFactorStep } from '../components/signin/SecondFactorStep.tsx';

/**
 * Break-glass sign-in (`/break-glass`), for when the organisation's single sign-on is down: a
 * break-glass account's password, then always its second factor. The cell accepts it only while
 * SSO counts as unavailable (it checks the identity providers itself), records every use and
 * alerts the administrators; the session is short and ends when SSO is back.
 */
export default function BreakGlass() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<SecondFactorRequired | null>(null);
  if (me && !challenge) return <Navigate to="/" replace />;
  if (!appHost().slug) return <Navigate to="/sign-in" replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await breakGlassSignIn(email.trim(), password);
      navigate('/', { replace: true });
    } catch (err) {
      if (err instanceof SecondFactorRequired) setChallenge(err);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin card">
      <h1>{t('breakGlass.title')}</h1>
      <p className="card warning">{t('breakGlass.explain')}</p>
      {challenge ? (
        <SecondFactorStep challenge={challenge} onDone={() => navigate('/', { replace: true })} />
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="bg-email">{t('breakGlass.email')}</label>
            <input
              id="bg-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="bg-password">{t('breakGlass.password')}</label>
            <input
              id="bg-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <ErrorText error={error} />
          <button type="submit" className="primary" disabled={busy || !email || !password}>
            {t('breakGlass.submit')}
          </button>
        </form>
      )}
      <p>
        <Link to="/sign-in">{t('breakGlass.back')}</Link>
      </p>
      <div className="row end">
        <LanguagePicker />
      </div>
    </main>
  );
}
