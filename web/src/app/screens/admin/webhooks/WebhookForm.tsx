import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createWebhook, WEBHOOK_EVENTS, type WebhookEvent } from '../../../api/webhooks.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useRun } from '../../../components/useRun.ts';

/**
 * A new webhook: an https URL on the public internet and the events it receives. The cell
 * refuses private and loopback targets (and says why); the new webhook's signing secret goes
 * to `onCreated`, to be shown once.
 */
export function WebhookForm({ onCreated }: { onCreated: (url: string, secret: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const { error, run } = useRun();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([]);

  const toggle = (e: WebhookEvent, on: boolean) =>
    setEvents(on ? [...events, e] : events.filter((x) => x !== e));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await createWebhook(url.trim(), events);
      onCreated(created.url, created.secret);
      setUrl('');
      setEvents([]);
    }, t('webhooks.created'));
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-heading`} noValidate>
      <h2 id={`${id}-heading`}>{t('webhooks.new')}</h2>
      <div className="field">
        <label htmlFor={`${id}-url`}>{t('webhooks.url')}</label>
        <input
          id={`${id}-url`}
          type="url"
          inputMode="url"
          required
          placeholder="https://"
          aria-describedby={`${id}-url-hint`}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <span id={`${id}-url-hint`} className="muted small">
          {t('webhooks.urlHint')}
        </span>
      </div>
      <fieldset>
        <legend>{t('webhooks.events')}</legend>
        {WEBHOOK_EVENTS.map((e) => (
          <label key={e} className="row">
            <input
              type="checkbox"
              checked={events.includes(e)}
              onChange={(x) => toggle(e, x.target.checked)}
            />
            {t(`webhooks.eventNames.${e.replace('.', '_')}`)}
          </label>
        ))}
      </fieldset>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={!url.trim() || events.length === 0}>
        {t('webhooks.create')}
      </button>
    </form>
  );
}
