import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { components } from '../../api/cell-api';
import { ApiError } from '../../api/errors.ts';
import { startSso } from '../../api/session.ts';
import { ErrorText } from '../ErrorText.tsx';

export type SignInOptions = components['schemas']['SignInOptions'];

/**
 * "Sign in with <identity provider>", one button per enabled connection of the organisation.
 * The browser goes to the IdP and comes back signed in (cookies) through the cell's callback.
 * While SSO is known to be unavailable, or when the IdP does not answer the start (503), the
 * page says so and points to break-glass sign-in; otherwise break-glass is a quiet link.
 */
export function SsoChoices({ options, returnTo }: { options: SignInOptions; returnTo: string }) {
  const { t } = useTranslation();
  const queries = useQueryClient();
  const [starting, setStarting] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ name: string; error: unknown } | null>(null);
  if (options.sso.length === 0) return null;
  const idpDown = failure?.error instanceof ApiError && failure.error.status === 503;

  const start = async (c: SignInOptions['sso'][number]) => {
    setStarting(c.id);
    setFailure(null);
    try {
      await startSso(c.id, returnTo);
    } catch (error) {
      setFailure({ name: c.name, error });
      setStarting(null);
      // The cell now counts SSO as unavailable: the options say so (and break-glass works).
      if (error instanceof ApiError && error.status === 503)
        void queries.invalidateQueries({ queryKey: ['sign-in-options'] });
    }
  };

  return (
    <section aria-labelledby="sso-heading" className="stack">
      <h2 id="sso-heading">{t('sso.heading')}</h2>
      {options.ssoUnavailable || idpDown ? (
        <div className="card warning" role="status">
          <p className="flush">
            {idpDown ? t('sso.idpNotAnswering', { name: failure?.name }) : t('sso.unavailable')}
          </p>
          <p className="flush">
            <Link to="/break-glass">{t('sso.useBreakGlass')}</Link>
          </p>
        </div>
      ) : null}
      <ul className="sso-choices">
        {options.sso.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className="primary"
              disabled={starting !== null}
              onClick={() => void start(c)}
            >
              {starting === c.id ? t('sso.redirecting') : t('sso.signInWith', { name: c.name })}
            </button>
          </li>
        ))}
      </ul>
      {failure && !idpDown ? <ErrorText error={failure.error} /> : null}
    </section>
  );
}
