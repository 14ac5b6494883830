import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/errors.ts';
import { enrolDuringSignIn, type SecondFactorRequired, verifySecondFactor } from '../../api/session.ts';
import { ErrorText } from '../ErrorText.tsx';
import { RecoveryCodes } from './RecoveryCodes.tsx';

/**
 * The second step of a sign-in (password, break-glass, or after SSO): a code from the
 * authenticator app or a recovery code; enrolling an app first when the organisation requires
 * a factor the person lacks. After SSO the page cannot know whether they have one (the
 * challenge is in a cookie), so it offers enrolment beside the code. A new enrolment's recovery
 * codes are shown once before `onDone`. The session exists once the code is verified: the
 * screen around this step must keep showing it until `onDone`.
 */
export function SecondFactorStep({
  challenge,
  onDone,
}: {
  challenge: SecondFactorRequired;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mayEnrol = challenge.enrollmentRequired || challenge.mfaToken === null;

  if (recoveryCodes) return <RecoveryCodes codes={recoveryCodes} onDone={onDone} />;

  const enrol = async () => {
    setError(null);
    try {
      setEnrolment(await enrolDuringSignIn(challenge));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 400 ? new Error('enrolled') : err);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const codes = await verifySecondFactor(challenge, code.trim());
      if (codes) setRecoveryCodes(codes);
      else onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const alreadyEnrolled = error instanceof Error && error.message === 'enrolled';
  if (challenge.enrollmentRequired && !enrolment)
    return (
      <>
        <h2>{t('signIn.secondFactor')}</h2>
        <p>{t('signIn.enrolFirst')}</p>
        <ErrorText error={error} />
        <button type="button" className="primary" onClick={() => void enrol()}>
          {t('account.setUpTotp')}
        </button>
      </>
    );
  return (
    <form onSubmit={submit} noValidate>
      <h2>{t('signIn.secondFactor')}</h2>
      {enrolment ? (
        <>
          <p>{t('account.scanOrType')}</p>
          <div className="field">
            <label htmlFor="otpauth-uri">{t('account.otpauthUri')}</label>
            <input id="otpauth-uri" readOnly value={enrolment.otpauthUri} />
          </div>
          <div className="field">
            <label htmlFor="totp-secret">{t('account.secret')}</label>
            <input id="totp-secret" readOnly value={enrolment.secret} />
          </div>
        </>
      ) : null}
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
      {alreadyEnrolled ? (
        <p className="error" role="alert">
          {t('sso.alreadyEnrolled')}
        </p>
      ) : (
        <ErrorText error={error} />
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !code.trim()}>
          {t('signIn.verify')}
        </button>
        {mayEnrol && !enrolment && !challenge.enrollmentRequired ? (
          <button type="button" onClick={() => void enrol()}>
            {t('sso.firstTimeEnrol')}
          </button>
        ) : null}
      </div>
    </form>
  );
}
