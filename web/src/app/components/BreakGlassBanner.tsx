import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { useSessions } from '../api/account.ts';
import { signInMethod } from '../api/session.ts';

/**
 * A break-glass session says so on every screen, with when it ends, as the cell records it
 * (this session's sign-in method in GET /v1/me/sessions). Asked only when this tab signed in
 * through break-glass.
 */
export function BreakGlassBanner() {
  return signInMethod() === 'break_glass' ? <Banner /> : null;
}

function Banner() {
  const { t } = useTranslation();
  const sessions = useSessions();
  const session = sessions.data?.find((s) => s.current && s.method === 'break_glass');
  if (!session) return null;
  return (
    <p className="card warning break-glass" role="status">
      <strong>{t('breakGlass.bannerTitle')}</strong>{' '}
      {t('breakGlass.banner', { until: formatDateTime(session.expiresAt) })}
    </p>
  );
}
