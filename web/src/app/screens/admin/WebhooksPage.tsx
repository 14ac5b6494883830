import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../shared/i18n.ts';
import { isAdmin, useMe } from '../../api/session.ts';
import { deleteWebhook, updateWebhook, useWebhooks } from '../../api/webhooks.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useRun } from '../../components/useRun.ts';
import { ShownOnce } from './ShownOnce.tsx';
import { Deliveries } from './webhooks/Deliveries.tsx';
import { WebhookForm } from './webhooks/WebhookForm.tsx';

/**
 * Webhooks (admins): the organisation's integration points. Each receives signed POSTs of the
 * events it subscribed to (ids only, never content); the signing secret is shown once, when the
 * webhook is added. Pause, resume or remove one; each has a delivery log.
 */
export default function WebhooksPage() {
  const { t } = useTranslation();
  const me = useMe();
  const admin = isAdmin(me);
  const hooks = useWebhooks(admin);
  const { error, run } = useRun();
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  if (!admin) return <p>{t('admin.onlyAdmins')}</p>;
  const shown = hooks.data?.find((h) => h.id === open);

  return (
    <div className="stack">
      <h1>{t('webhooks.title')}</h1>
      <p className="muted">{t('webhooks.explain')}</p>
      {secret ? (
        <ShownOnce
          label={t('webhooks.secretOf', { url: secret.url })}
          value={secret.secret}
          note={t('webhooks.secretOnce')}
          onDone={() => setSecret(null)}
        />
      ) : null}
      <ErrorText error={error ?? hooks.error} />
      {hooks.data && hooks.data.length === 0 ? <p className="muted">{t('webhooks.none')}</p> : null}
      {hooks.data && hooks.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('webhooks.title')}</caption>
            <thead>
              <tr>
                <th>{t('webhooks.url')}</th>
                <th className="hide-narrow">{t('webhooks.events')}</th>
                <th>{t('webhooks.state')}</th>
                <th className="hide-narrow">{t('webhooks.createdAt')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.map((h) => (
                <tr key={h.id} data-webhook={h.id}>
                  <td className="break-anywhere">{h.url}</td>
                  <td className="hide-narrow">
                    {h.events.map((e) => t(`webhooks.eventNames.${e.replace('.', '_')}`)).join(', ')}
                  </td>
                  <td>{h.active ? t('webhooks.active') : t('webhooks.paused')}</td>
                  <td className="hide-narrow">{formatDateTime(h.createdAt)}</td>
                  <td>
                    <div className="row">
                      <button
                        type="button"
                        aria-expanded={open === h.id}
                        aria-label={t('webhooks.deliveriesOf', { url: h.url })}
                        onClick={() => setOpen(open === h.id ? null : h.id)}
                      >
                        {t('webhooks.deliveries')}
                      </button>
                      <button
                        type="button"
                        aria-label={t(h.active ? 'webhooks.pauseNamed' : 'webhooks.resumeNamed', {
                          url: h.url,
                        })}
                        onClick={() =>
                          void run(
                            () => updateWebhook(h.id, { active: !h.active }),
                            h.active ? t('webhooks.pausedDone') : t('webhooks.resumedDone'),
                          )
                        }
                      >
                        {h.active ? t('webhooks.pause') : t('webhooks.resume')}
                      </button>
                      <button
                        type="button"
                        className="danger"
                        aria-label={t('webhooks.removeNamed', { url: h.url })}
                        onClick={() => {
                          if (window.confirm(t('webhooks.confirmRemove', { url: h.url })))
                            void run(() => deleteWebhook(h.id), t('webhooks.removed'));
                        }}
                      >
                        {t('webhooks.remove')}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {shown ? <Deliveries key={shown.id} hook={shown} /> : null}
      <WebhookForm onCreated={(url, s) => setSecret({ url, secret: s })} />
    </div>
  );
}
