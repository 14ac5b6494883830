import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../shared/i18n.ts';
import { useCan } from '../api/caller.ts';
import type { Tenant } from '../api/client.ts';
import { offboard, reactivate } from '../api/tenants.ts';
import { ErrorLine } from './ErrorLine.tsx';

const DAY_MS = 86_400_000;
const when = (iso: string | null) => (iso ? formatDateTime(iso) : '—');

/**
 * A tenant's offboarding: starting it (confirmed by typing the tenant's short name: at the end
 * of the read-only grace period everything is deleted), its state and deadline while it runs,
 * cancelling it during the grace period (reactivation), and the purge once it is deleted. The
 * buttons appear only for a role that may use them.
 */
export function Offboarding({ tenant, onChanged }: { tenant: Tenant; onChanged: () => Promise<unknown> }) {
  const { t } = useTranslation();
  const can = useCan();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [exportId, setExportId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const o = tenant.offboarding;

  const run = async (work: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
      await onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const start = (e: FormEvent) => {
    e.preventDefault();
    if (typed !== tenant.slug) return;
    void run(async () => {
      setExportId((await offboard(tenant.slug)).exportId);
      setConfirming(false);
      setTyped('');
    });
  };
  const cancel = () => void run(() => reactivate(tenant.slug));

  const canStart = tenant.status === 'active' || tenant.status === 'suspended';
  if (!canStart && !o) return null;
  const daysLeft = o?.deleteAfter
    ? Math.max(0, Math.ceil((Date.parse(o.deleteAfter) - Date.now()) / DAY_MS))
    : null;
  return (
    <section aria-labelledby="offboarding-title" className="card offboarding">
      <h2 id="offboarding-title" className="flush">
        {t('offboarding.title')}
      </h2>
      {tenant.status === 'offboarding' && o ? (
        <>
          <p>{t('offboarding.running')}</p>
          <dl className="meta">
            <dt>{t('offboarding.startedAt')}</dt>
            <dd>{when(o.startedAt)}</dd>
            <dt>{t('offboarding.deleteAfter')}</dt>
            <dd data-deadline={o.deleteAfter ?? ''}>
              {when(o.deleteAfter)}
              {daysLeft !== null ? ` (${t('offboarding.daysLeft', { count: daysLeft })})` : null}
            </dd>
          </dl>
          {can('tenants.reactivate') ? (
            <button type="button" disabled={busy} onClick={cancel}>
              {t('offboarding.cancel')}
            </button>
          ) : null}
        </>
      ) : null}
      {tenant.status === 'deleted' && o ? (
        <dl className="meta">
          <dt>{t('offboarding.deletedAt')}</dt>
          <dd>{when(o.deletedAt)}</dd>
          <dt>{t('offboarding.purgedAt')}</dt>
          <dd>
            {o.purgedAt
              ? when(o.purgedAt)
              : t('offboarding.purgePending', { attempts: o.purgeAttempts, error: o.lastError ?? '—' })}
          </dd>
        </dl>
      ) : null}
      {canStart ? <p id="offboarding-explain">{t('offboarding.explain')}</p> : null}
      {canStart && can('tenants.offboard') && !confirming ? (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          {t('offboarding.start')}
        </button>
      ) : null}
      {canStart && can('tenants.offboard') && confirming ? (
        <form onSubmit={start} aria-describedby="offboarding-explain">
          <div className="field">
            <label htmlFor="offboard-confirm">{t('offboarding.typeSlug', { slug: tenant.slug })}</label>
            <input
              id="offboard-confirm"
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
          <div className="row">
            <button type="submit" className="danger" disabled={busy || typed !== tenant.slug}>
              {t('offboarding.confirm', { name: tenant.displayName })}
            </button>
            <button
              type="button"
              onClick={() => {
                setConfirming(false);
                setTyped('');
              }}
            >
              {t('offboarding.keep')}
            </button>
          </div>
        </form>
      ) : null}
      {exportId ? (
        <p role="status">
          {t('offboarding.exportMade')} <code>{exportId}</code>
        </p>
      ) : null}
      <ErrorLine error={error} reasons="offboarding.errors" />
    </section>
  );
}
