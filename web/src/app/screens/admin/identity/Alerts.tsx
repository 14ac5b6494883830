import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../../shared/i18n.ts';
import { acknowledgeAlert, useIdentityAlerts } from '../../../api/identity.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useRun } from '../../../components/useRun.ts';

/** Open identity alerts (a break-glass sign-in, …), to acknowledge. */
export function Alerts() {
  const { t } = useTranslation();
  const alerts = useIdentityAlerts(true);
  const { error, run } = useRun();
  const open = (alerts.data ?? []).filter((a) => !a.acknowledgedAt);
  return (
    <section aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">{t('identity.alerts')}</h2>
      <ErrorText error={error ?? alerts.error} />
      {alerts.data && open.length === 0 ? <p className="muted">{t('identity.noAlerts')}</p> : null}
      <ul className="alerts">
        {open.map((a) => (
          <li key={a.id} className="card row">
            <span className="spacer">
              <strong>{t(`alerts.titles.${a.code}`)}</strong>{' '}
              {t(`alerts.texts.${a.code}`, { user: a.params.userName ?? a.params.userId ?? '' })}{' '}
              {a.params.ip ? (
                <span className="muted small">{t('alerts.from', { ip: a.params.ip })}</span>
              ) : null}{' '}
              <time className="muted small" dateTime={a.createdAt}>
                {formatDateTime(a.createdAt)}
              </time>
            </span>
            <button
              type="button"
              onClick={() => void run(() => acknowledgeAlert(a.id), t('identity.acknowledged'))}
            >
              {t('identity.acknowledge')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
