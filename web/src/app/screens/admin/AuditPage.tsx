import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../shared/i18n.ts';
import { type AuditFilters, emptyAuditFilters, exportCsv, useAudit, verifyChain } from '../../api/audit.ts';
import { isAdmin, useMe } from '../../api/session.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PersonName } from '../../components/PersonName.tsx';

type Verification = Awaited<ReturnType<typeof verifyChain>>;

/** The audit log: filters, pages, chain verification and CSV export (admins). */
export default function AuditPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [draft, setDraft] = useState<AuditFilters>(emptyAuditFilters);
  const [filters, setFilters] = useState<AuditFilters>(emptyAuditFilters);
  const audit = useAudit(filters);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [busy, setBusy] = useState<'verify' | 'export' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const entries = audit.data?.pages.flatMap((p) => p.items) ?? [];

  if (!isAdmin(me)) return <p>{t('admin.onlyAdmins')}</p>;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const verify = async () => {
    setBusy('verify');
    setError(null);
    try {
      setVerification(await verifyChain());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const download = async () => {
    setBusy('export');
    setError(null);
    try {
      const { csv } = await exportCsv(filters);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const field = (key: keyof AuditFilters, type = 'text') => (
    <div className="field">
      <label htmlFor={`audit-${key}`}>{t(`audit.filter.${key}`)}</label>
      <input
        id={`audit-${key}`}
        type={type}
        value={draft[key]}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </div>
  );

  return (
    <section aria-labelledby="audit-title">
      <div className="row">
        <h1 id="audit-title" className="spacer">
          {t('audit.title')}
        </h1>
        <button type="button" onClick={() => void verify()} disabled={busy !== null}>
          {busy === 'verify' ? t('audit.verifying') : t('audit.verify')}
        </button>
        <button type="button" onClick={() => void download()} disabled={busy !== null}>
          {busy === 'export' ? t('audit.exporting') : t('audit.export')}
        </button>
      </div>
      {verification ? (
        <p role="status" className={verification.ok ? 'ok' : 'error'}>
          {verification.ok
            ? t('audit.chainOk', {
                checked: formatNumber(verification.checked),
                unsealed: formatNumber(verification.unsealed),
              })
            : t('audit.chainBroken', {
                seq: verification.firstBrokenSeq ?? '?',
                behind: verification.unchainedBehind,
              })}
        </p>
      ) : null}
      <form className="card" onSubmit={apply} aria-label={t('audit.filters')}>
        <div className="row">
          {field('action')}
          {field('actorId')}
          {field('resourceId')}
          {field('from', 'datetime-local')}
          {field('to', 'datetime-local')}
        </div>
        <div className="row">
          <button type="submit" className="primary">
            {t('audit.apply')}
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(emptyAuditFilters);
              setFilters(emptyAuditFilters);
            }}
          >
            {t('audit.reset')}
          </button>
        </div>
      </form>
      <ErrorText error={error ?? audit.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('audit.when')}</th>
              <th>{t('audit.who')}</th>
              <th>{t('audit.action')}</th>
              <th className="hide-narrow">{t('audit.resource')}</th>
              <th className="hide-narrow">{t('audit.from')}</th>
              <th className="hide-narrow">{t('audit.seq')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.occurredAt)}</td>
                <td>{e.actor.type === 'user' ? <PersonName id={e.actor.id} /> : e.actor.type}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td className="hide-narrow">
                  {e.resource.id ? (
                    <code>{e.resource.id}</code>
                  ) : (
                    <span className="muted">{e.resource.type}</span>
                  )}
                </td>
                <td className="hide-narrow">{e.ip}</td>
                <td className="hide-narrow">
                  {e.seq ?? <span className="muted">{t('audit.unsealed')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {audit.isSuccess && entries.length === 0 ? <p className="muted">{t('audit.empty')}</p> : null}
      <LoadMore query={audit} />
    </section>
  );
}
