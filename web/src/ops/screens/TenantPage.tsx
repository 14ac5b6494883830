import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { formatDateTime, formatNumber } from '../../shared/i18n.ts';
import { useCan } from '../api/caller.ts';
import type { CreateTenant } from '../api/client.ts';
import { setFlag, setPlan, setStatus, useTenant, useTenantFlags } from '../api/tenants.ts';
import { ErrorLine } from './ErrorLine.tsx';
import { Offboarding } from './Offboarding.tsx';

const STEPS = ['recorded', 'placed', 'cell_provisioned', 'active'] as const;
const PLANS: CreateTenant['plan'][] = ['standard', 'professional', 'enterprise'];

/**
 * One tenant: provisioning progress (live), settings, limits, flags; plan change, suspend,
 * resume, offboarding. Each control only for a role that may use it (`useCan`).
 */
export function TenantPage() {
  const { t } = useTranslation();
  const { idOrSlug = '' } = useParams();
  const invitationToken = (useLocation().state as { invitationToken?: string | null } | null)
    ?.invitationToken;
  const detail = useTenant(idOrSlug);
  const flags = useTenantFlags(idOrSlug);
  const can = useCan();
  const [error, setError] = useState<unknown>(null);
  const [plan, setPlanValue] = useState<CreateTenant['plan'] | ''>('');

  const run = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await Promise.all([detail.refetch(), flags.refetch()]);
    } catch (err) {
      setError(err);
    }
  };

  if (detail.isPending) return <p role="status">{t('common.loading')}</p>;
  if (!detail.data) return <ErrorLine error={detail.error} />;
  const { tenant, job, limits } = detail.data;
  const reached = new Set(job?.history.map((h) => h.step) ?? []);

  return (
    <section aria-labelledby="tenant-title">
      <p>
        <Link to="/">{t('frame.tenants')}</Link>
      </p>
      <div className="row">
        <h1 id="tenant-title" className="spacer">
          {tenant.displayName} <span className="muted">({tenant.slug})</span>
        </h1>
        {tenant.status === 'active' && can('tenants.suspend') ? (
          <button
            type="button"
            className="danger"
            onClick={() => void run(() => setStatus(tenant.slug, 'suspend'))}
          >
            {t('tenant.suspend')}
          </button>
        ) : null}
        {tenant.status === 'suspended' && can('tenants.resume') ? (
          <button type="button" onClick={() => void run(() => setStatus(tenant.slug, 'resume'))}>
            {t('tenant.resume')}
          </button>
        ) : null}
      </div>
      <p role="status" aria-live="polite">
        {t('tenant.statusIs', { status: t(`statuses.${tenant.status}`, { defaultValue: tenant.status }) })}
      </p>
      <ErrorLine error={error} />
      {job ? (
        <section aria-labelledby="progress-title" className="card">
          <h2 id="progress-title" className="flush">
            {t('tenant.provisioning')}
          </h2>
          <ol className="steps">
            {STEPS.map((s) => {
              const at = job.history.find((h) => h.step === s)?.at;
              return (
                <li key={s} data-step={s} data-done={reached.has(s)}>
                  {reached.has(s) ? '✓ ' : '… '}
                  {t(`steps.${s}`)} {at ? <span className="muted">{formatDateTime(at)}</span> : null}
                </li>
              );
            })}
          </ol>
          {job.lastError ? (
            <p className="error">{t('tenant.lastError', { error: job.lastError, attempts: job.attempts })}</p>
          ) : null}
        </section>
      ) : null}
      {invitationToken ? (
        <p className="card">
          {t('tenant.invitation')} <code>{invitationToken}</code>
        </p>
      ) : null}
      <h2>{t('tenant.settings')}</h2>
      <dl className="meta card">
        <dt>{t('tenants.region')}</dt>
        <dd>
          {t(`regions.${tenant.region}`, { defaultValue: tenant.region })}
          {tenant.strictResidency ? ` · ${t('tenants.strictResidency')}` : ''}
        </dd>
        <dt>{t('tenants.cell')}</dt>
        <dd>{tenant.cellId ?? '—'}</dd>
        <dt>{t('tenants.tier')}</dt>
        <dd>{t(`tiers.${tenant.tier}`)}</dd>
        <dt>{t('tenants.plan')}</dt>
        <dd>{t(`plans.${tenant.plan}`)}</dd>
        <dt>{t('tenants.created')}</dt>
        <dd>{formatDateTime(tenant.createdAt)}</dd>
      </dl>
      {can('tenants.set-plan') && (tenant.status === 'active' || tenant.status === 'suspended') ? (
        <form
          className="row card"
          onSubmit={(e) => {
            e.preventDefault();
            if (plan) void run(() => setPlan(tenant.slug, plan));
          }}
        >
          <label htmlFor="new-plan">{t('tenant.changePlan')}</label>
          <select
            id="new-plan"
            value={plan}
            onChange={(e) => setPlanValue(e.target.value as CreateTenant['plan'])}
          >
            <option value="">{t('tenant.choosePlan')}</option>
            {PLANS.filter((p) => p !== tenant.plan).map((p) => (
              <option key={p} value={p}>
                {t(`plans.${p}`)}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!plan}>
            {t('tenant.applyPlan')}
          </button>
        </form>
      ) : null}
      <Offboarding tenant={tenant} onChanged={() => Promise.all([detail.refetch(), flags.refetch()])} />
      <h2>{t('tenant.limits')}</h2>
      <div className="table-wrap">
        <table>
          <tbody>
            {Object.entries(limits).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{t(`limits.${k}`, { defaultValue: k })}</th>
                <td>{v === null ? t('tenant.unlimited') : formatNumber(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t('tenant.flags')}</h2>
      <ErrorLine error={flags.error} />
      {flags.data && flags.data.flags.length === 0 ? <p className="muted">{t('tenant.noFlags')}</p> : null}
      {flags.data && flags.data.flags.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('tenant.flag')}</th>
                <th>{t('tenant.value')}</th>
                <th>{t('tenant.source')}</th>
              </tr>
            </thead>
            <tbody>
              {flags.data.flags.map((f) => (
                <tr key={f.key}>
                  <td>
                    <code>{f.key}</code>
                  </td>
                  <td>
                    {typeof f.value === 'boolean' && can('tenants.flags') ? (
                      <label className="row">
                        <input
                          type="checkbox"
                          checked={f.value}
                          onChange={(e) => void run(() => setFlag(tenant.slug, f.key, e.target.checked))}
                        />
                        <span className="visually-hidden">{f.key}</span>
                        {f.value ? t('tenant.on') : t('tenant.off')}
                      </label>
                    ) : typeof f.value === 'boolean' ? (
                      f.value ? (
                        t('tenant.on')
                      ) : (
                        t('tenant.off')
                      )
                    ) : (
                      String(f.value)
                    )}
                  </td>
                  <td>
                    {t(`sources.${f.source}`)}
                    {f.source === 'tenant' && can('tenants.flags') ? (
                      <button
                        type="button"
                        className="link"
                        onClick={() => void run(() => setFlag(tenant.slug, f.key, null))}
                      >
                        {' '}
                        {t('tenant.clearFlag')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
