import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate } from 'react-router';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { ssoChallenge, useMe } from '../api/session.ts';
import { SecondFactorStep } from '../components/signin/SecondFactorStep.tsx';

/**
 * Where the cell's SSO callback sends the browser when the organisation requires a second
 * factor of this login (`/login/mfa`): the challenge is in an HttpOnly cookie the callback set,
 * so the page sends the code alone; the answer is the browser session (cookies).
 */
export default function SsoLanding() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [challenge] = useState(() => (me ? null : ssoChallenge()));
  if (!challenge) return <Navigate to="/" replace />;
  return (
    <main id="main" className="signin card">
      <h1>{t('signIn.title')}</h1>
      <p>{t('sso.secondFactorAfterSso')}</p>
      <SecondFactorStep challenge={challenge} onDone={() => navigate('/', { replace: true })} />
      <p>
        <Link to="/sign-in">{t('sso.startOver')}</Link>
      </p>
      <div className="row end">
        <LanguagePicker />
      </div>
    </main>
  );
}
