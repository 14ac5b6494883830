import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { formatDateTime } from '../../shared/i18n.ts';
import { useCan } from '../api/caller.ts';
import type { CreateTenant } from '../api/client.ts';
import { createTenant, useTenants } from '../api/tenants.ts';
import { ErrorLine } from './ErrorLine.tsx';

const REGIONS = ['us', 'eu'];
const PLANS: CreateTenant['plan'][] = ['standard', 'professional', 'enterprise'];
const TIERS: NonNullable<CreateTenant['tier']>[] = ['pooled', 'schema', 'database', 'dedicated'];

/** Every tenant, and creating one into a region: the page then follows its provisioning live. */
export function TenantsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const tenants = useTenants();
  const can = useCan();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState({
    slug: '',
    displayName: '',
    region: 'eu',
    plan: 'standard' as CreateTenant['plan'],
    tier: 'pooled' as NonNullable<CreateTenant['tier']>,
    strictResidency: true,
    adminName: '',
    adminEmail: '',
    adminPassword: '',
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await createTenant({
        slug: form.slug.trim(),
        displayName: form.displayName.trim(),
        region: form.region,
        plan: form.plan,
        tier: form.tier,
        strictResidency: form.strictResidency,
        admin: {
          name: form.adminName.trim(),
          email: form.adminEmail.trim(),
          ...(form.adminPassword ? { password: form.adminPassword } : {}),
        },
      });
      navigate(`/tenants/${result.tenant.slug}`, { state: { invitationToken: result.invitationToken } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">{t('tenants.title')}</h1>
      <ErrorLine error={tenants.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('tenants.slug')}</th>
              <th>{t('tenants.name')}</th>
              <th>{t('tenants.region')}</th>
              <th className="hide-narrow">{t('tenants.cell')}</th>
              <th>{t('tenants.plan')}</th>
              <th className="hide-narrow">{t('tenants.tier')}</th>
              <th>{t('tenants.status')}</th>
              <th className="hide-narrow">{t('tenants.created')}</th>
            </tr>
          </thead>
          <tbody>
            {(tenants.data?.tenants ?? []).map((tn) => (
              <tr key={tn.id}>
                <td>
                  <Link to={`/tenants/${tn.slug}`}>{tn.slug}</Link>
                </td>
                <td>{tn.displayName}</td>
                <td>
                  {tn.region}
                  {tn.strictResidency ? <span className="badge"> {t('tenants.strict')}</span> : null}
                </td>
                <td className="hide-narrow">{tn.cellId}</td>
                <td>{t(`plans.${tn.plan}`)}</td>
                <td className="hide-narrow">{t(`tiers.${tn.tier}`)}</td>
                <td>{t(`statuses.${tn.status}`, { defaultValue: tn.status })}</td>
                <td className="hide-narrow">{formatDateTime(tn.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {can('tenants.create') ? (
        <>
          <h2>{t('tenants.create')}</h2>
          <form className="card" onSubmit={submit}>
            <div className="row">
              <div className="field">
                <label htmlFor="t-slug">{t('tenants.slug')}</label>
                <input
                  id="t-slug"
                  required
                  pattern="[a-z0-9][a-z0-9-]{1,39}"
                  value={form.slug}
                  onChange={set('slug')}
                  aria-describedby="t-slug-hint"
                />
                <span id="t-slug-hint" className="muted">
                  {t('tenants.slugHint')}
                </span>
              </div>
              <div className="field">
                <label htmlFor="t-name">{t('tenants.name')}</label>
                <input id="t-name" required value={form.displayName} onChange={set('displayName')} />
              </div>
              <div className="field">
                <label htmlFor="t-region">{t('tenants.region')}</label>
                <select id="t-region" value={form.region} onChange={set('region')}>
                  {REGIONS.map((r) => (
                    <option key={r} value={r}>
                      {t(`regions.${r}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="t-plan">{t('tenants.plan')}</label>
                <select id="t-plan" value={form.plan} onChange={set('plan')}>
                  {PLANS.map((p) => (
                    <option key={p} value={p}>
                      {t(`plans.${p}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="t-tier">{t('tenants.tier')}</label>
                <select id="t-tier" value={form.tier} onChange={set('tier')}>
                  {TIERS.map((p) => (
                    <option key={p} value={p}>
                      {t(`tiers.${p}`)}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <div className="field">
              <label className="row">
                <input
                  type="checkbox"
                  checked={form.strictResidency}
                  onChange={(e) => setForm({ ...form, strictResidency: e.target.checked })}
                />
                {t('tenants.strictResidency')}
              </label>
            </div>
            <fieldset className="row">
              <legend>{t('tenants.firstAdmin')}</legend>
              <div className="field">
                <label htmlFor="t-admin-name">{t('tenants.adminName')}</label>
                <input id="t-admin-name" required value={form.adminName} onChange={set('adminName')} />
              </div>
              <div className="field">
                <label htmlFor="t-admin-email">{t('tenants.adminEmail')}</label>
                <input
                  id="t-admin-email"
                  type="email"
                  required
                  value={form.adminEmail}
                  onChange={set('adminEmail')}
                />
              </div>
              <div className="field">
                <label htmlFor="t-admin-password">{t('tenants.adminPassword')}</label>
                <input
                  id="t-admin-password"
                  type="password"
                  autoComplete="new-password"
                  minLength={12}
                  value={form.adminPassword}
                  onChange={set('adminPassword')}
                  aria-describedby="t-admin-password-hint"
                />
                <span id="t-admin-password-hint" className="muted">
                  {t('tenants.adminPasswordHint')}
                </span>
              </div>
            </fieldset>
            <ErrorLine error={error} />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('tenants.creating') : t('tenants.create')}
            </button>
          </form>
        </>
      ) : null}
    </section>
  );
}
