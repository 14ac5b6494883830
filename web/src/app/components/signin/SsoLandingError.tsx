import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Why signing in through the identity provider did not complete: the cell sends a browser whose
 * landing it refused back to `/sign-in#sso_error=<code>[&reason=<reason>]` (after `#`, never sent
 * to a server). Read once, then taken out of the address.
 */
export function SsoLandingError() {
  const { t, i18n } = useTranslation();
  const [failure] = useState(() => {
    const hash = new URLSearchParams(location.hash.slice(1));
    const code = hash.get('sso_error');
    if (!code) return null;
    history.replaceState(history.state, '', location.pathname + location.search);
    return { code, reason: hash.get('reason') };
  });
  if (!failure) return null;
  const specific = [
    failure.reason ? `errors.reasons.${failure.reason}` : '',
    failure.reason ? `reasons.${failure.reason}` : '',
    failure.code === 'unavailable' ? 'sso.unavailable' : '',
  ].find((k) => k && i18n.exists(k));
  return (
    <div className="error" role="alert">
      <p>{t('sso.landingFailed')}</p>
      {specific ? <p>{t(specific)}</p> : null}
    </div>
  );
}
