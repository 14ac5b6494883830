import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate } from 'react-router';
import { LanguagePicker } from '../../shared/LanguagePicker.tsx';
import { ssoChallenge, useMe } from '../api/session.ts';
import { SecondFactorStep } from '../components/signin/SecondFactorStep.tsx';

/**
 * Where the cell's SSO callback sends the browser when the organisation requires a second
 * factor of this login (`/login/mfa`): the challenge is in an HttpOnly cookie the callback set,
 * so the page sends the code alone; the answer is the browser session (cookies), and the page
 * the person was going to opens.
 */
/** The page the person was going to (`#returnTo=/documents/doc_…`, set by the callback), read once. */
function landingReturnTo(): string {
  const to = new URLSearchParams(location.hash.slice(1)).get('returnTo');
  if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  return to && /^\/(?![/\\])[A-Za-z0-9/_.-]{0,200}$/.test(to) ? to : '/';
}

export default function SsoLanding() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [challenge] = useState(() => (me ? null : ssoChallenge()));
  const [returnTo] = useState(landingReturnTo);
  if (!challenge) return <Navigate to={returnTo} replace />;
  return (
    <main id="main" className="signin card">
      <h1>{t('signIn.title')}</h1>
      <p>{t('sso.secondFactorAfterSso')}</p>
      <SecondFactorStep challenge={challenge} onDone={() => navigate(returnTo, { replace: true })} />
      <p>
        <Link to="/sign-in">{t('sso.startOver')}</Link>
      </p>
      <div className="row end">
        <LanguagePicker />
      </div>
    </main>
  );
}
