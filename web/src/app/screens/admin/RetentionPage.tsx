import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDateTime, formatNumber } from '../../../shared/i18n.ts';
import { useFolder } from '../../api/folders.ts';
import {
  deletePolicy,
  dryRun,
  type RetentionPlan,
  type RetentionPolicy,
  runNow,
  usePolicies,
} from '../../api/retention.ts';
import { AdminOnly } from '../../components/AdminOnly.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { Loading } from '../../components/Loading.tsx';
import { useRun } from '../../components/useRun.ts';
import { RetentionForm } from './RetentionForm.tsx';

function FolderName({ id }: { id: string }) {
  const folder = useFolder(id);
  return <Link to={`/folders/${id}`}>{folder.data?.name ?? id}</Link>;
}

/** What a policy applies to, in words. */
function Scope({ policy }: { policy: RetentionPolicy }) {
  const { t } = useTranslation();
  const { kind, value } = policy.scope;
  return (
    <>
      {t(`retention.kinds.${kind}`)}: {kind === 'folder' ? <FolderName id={value} /> : <code>{value}</code>}
    </>
  );
}

/** A dry run's or a run's plan: what is (or was) removed, and what legal holds keep. */
function Plan({ plan, ran }: { plan: RetentionPlan; ran: boolean }) {
  const { t } = useTranslation();
  const count = ran ? (plan.removed?.length ?? plan.items.length) : plan.items.length;
  return (
    <div className="card" role="status">
      <p>
        {ran
          ? t(`retention.ranRemoved.${plan.action}`, { count, n: formatNumber(count) })
          : t(`retention.wouldRemove.${plan.action}`, { count, n: formatNumber(count) })}
        {plan.held.length ? ` ${t('retention.heldBack', { count: plan.held.length })}` : ''}
      </p>
      {plan.items.length ? (
        <ul className="plain">
          {plan.items.slice(0, 20).map((i) => (
            <li key={i.id}>{i.title}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Policies() {
  const { t } = useTranslation();
  const policies = usePolicies();
  const { error, busy, run } = useRun();
  const [plan, setPlan] = useState<{ id: string; plan: RetentionPlan; ran: boolean } | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const items = policies.data ?? [];

  const preview = (p: RetentionPolicy) =>
    void run(async () => setPlan({ id: p.id, plan: await dryRun(p.id), ran: false }));
  const runIt = (p: RetentionPolicy) => {
    if (!confirm(t('retention.confirmRun', { name: p.name }))) return;
    void run(async () => setPlan({ id: p.id, plan: await runNow(p.id), ran: true }), t('retention.ran'));
  };
  const remove = (p: RetentionPolicy) => {
    if (!confirm(t('retention.confirmDelete', { name: p.name }))) return;
    void run(() => deletePolicy(p.id), t('retention.deleted'));
  };

  return (
    <section className="stack" aria-labelledby="retention-title">
      <h1 id="retention-title">{t('retention.title')}</h1>
      <p className="muted">{t('retention.intro')}</p>
      <ErrorText error={error ?? policies.error} />
      {policies.isPending ? <Loading /> : null}
      {policies.isSuccess && items.length === 0 ? <p className="muted">{t('retention.none')}</p> : null}
      {items.length ? (
        <div className="table-wrap">
          <table aria-labelledby="retention-title">
            <thead>
              <tr>
                <th>{t('retention.name')}</th>
                <th>{t('retention.appliesTo')}</th>
                <th>{t('retention.rule')}</th>
                <th className="hide-narrow">{t('retention.lastRun')}</th>
                <th>{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id} data-policy={p.id}>
                  <td>
                    {p.name}
                    {p.enabled ? null : <div className="muted small">{t('retention.manualOnly')}</div>}
                  </td>
                  <td>
                    <Scope policy={p} />
                  </td>
                  <td>
                    {t(`retention.rules.${p.action}`, {
                      count: p.keepDays,
                      days: formatNumber(p.keepDays),
                      basis: t(`retention.bases.${p.basis}`),
                    })}
                  </td>
                  <td className="hide-narrow">
                    {p.lastRunAt ? formatDateTime(p.lastRunAt) : t('retention.never')}
                  </td>
                  <td>
                    <div className="row">
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={t('retention.dryRunNamed', { name: p.name })}
                        onClick={() => preview(p)}
                      >
                        {t('retention.dryRun')}
                      </button>
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={t('retention.runNamed', { name: p.name })}
                        onClick={() => runIt(p)}
                      >
                        {t('retention.run')}
                      </button>
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={t('retention.editNamed', { name: p.name })}
                        aria-expanded={editing === p.id}
                        onClick={() => setEditing(editing === p.id ? null : p.id)}
                      >
                        {t('retention.edit')}
                      </button>
                      <button
                        type="button"
                        className="danger"
                        disabled={busy}
                        aria-label={t('retention.deleteNamed', { name: p.name })}
                        onClick={() => remove(p)}
                      >
                        {t('retention.delete')}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {plan && items.some((p) => p.id === plan.id) ? <Plan plan={plan.plan} ran={plan.ran} /> : null}
      {items
        .filter((p) => p.id === editing)
        .map((p) => (
          <RetentionForm key={p.id} policy={p} onDone={() => setEditing(null)} />
        ))}
      <RetentionForm />
    </section>
  );
}

/** Retention policies (admins): list with a dry run, run now, change and remove; add one. */
export default function RetentionPage() {
  const { t } = useTranslation();
  return (
    <AdminOnly title={t('retention.title')}>
      <Policies />
    </AdminOnly>
  );
}
