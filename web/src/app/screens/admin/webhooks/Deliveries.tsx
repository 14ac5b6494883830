import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../../shared/i18n.ts';
import { useDeliveries, type Webhook, type WebhookDelivery } from '../../../api/webhooks.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';

/** What the receiver answered last: its HTTP status, else why there was no answer. */
function outcome(d: WebhookDelivery, t: TFunction) {
  if (d.lastStatus !== null) return t('webhooks.httpStatus', { status: d.lastStatus });
  if (d.lastError) return d.lastError;
  return t('webhooks.notYet');
}

/**
 * A webhook's delivery log, newest first: the event, delivered / retrying / failed, attempts,
 * the receiver's last answer, and when. Pending deliveries are polled until they settle.
 */
export function Deliveries({ hook }: { hook: Webhook }) {
  const { t } = useTranslation();
  const log = useDeliveries(hook.id);
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-label={t('webhooks.deliveriesOf', { url: hook.url })} className="card">
      <div className="row">
        <h3 className="spacer flush">{t('webhooks.deliveriesOf', { url: hook.url })}</h3>
        <button type="button" onClick={() => void log.refetch()}>
          {t('webhooks.refresh')}
        </button>
      </div>
      <ErrorText error={log.error} />
      {log.data && items.length === 0 ? <p className="muted">{t('webhooks.noDeliveries')}</p> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('webhooks.deliveriesOf', { url: hook.url })}</caption>
            <thead>
              <tr>
                <th>{t('webhooks.event')}</th>
                <th>{t('webhooks.status')}</th>
                <th>{t('webhooks.attempts')}</th>
                <th>{t('webhooks.lastAnswer')}</th>
                <th className="hide-narrow">{t('webhooks.when')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-delivery={d.id}>
                  <td>{t(`webhooks.eventNames.${d.event.replace('.', '_')}`)}</td>
                  <td>
                    {t(`webhooks.statuses.${d.status}`)}
                    {d.status === 'pending' && d.nextAttemptAt ? (
                      <span className="muted small">
                        {' '}
                        {t('webhooks.nextAttempt', { when: formatDateTime(d.nextAttemptAt) })}
                      </span>
                    ) : null}
                  </td>
                  <td>{d.attempts}</td>
                  <td>{outcome(d, t)}</td>
                  <td className="hide-narrow">{formatDateTime(d.deliveredAt ?? d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore query={log} />
    </section>
  );
}
