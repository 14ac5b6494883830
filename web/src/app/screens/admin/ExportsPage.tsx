import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../../api/directory.ts';
import { startExport } from '../../api/exports.ts';
import { AdminOnly } from '../../components/AdminOnly.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { ExportList } from '../../components/ExportList.tsx';
import { useRun } from '../../components/useRun.ts';

function NewExport() {
  const { t } = useTranslation();
  const users = useUsers();
  const { error, busy, run } = useRun();
  const [whose, setWhose] = useState('tenant');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(
      () => startExport(whose === 'tenant' ? { scope: 'tenant' } : { scope: 'user', userId: whose }),
      t('exports.started'),
    );
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="export-new">
      <h2 id="export-new">{t('exports.new')}</h2>
      <p className="muted">{t('exports.what')}</p>
      <div className="row">
        <div className="field">
          <label htmlFor="export-whose">{t('exports.whose')}</label>
          <select id="export-whose" value={whose} onChange={(e) => setWhose(e.target.value)}>
            <option value="tenant">{t('exports.wholeOrganisation')}</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t('exports.start')}
      </button>
    </form>
  );
}

/** Portability exports (admins): a person's data or the whole organisation's, as a zip. */
export default function ExportsPage() {
  const { t } = useTranslation();
  return (
    <AdminOnly title={t('exports.title')}>
      <section className="stack" aria-labelledby="exports-title">
        <h1 id="exports-title">{t('exports.title')}</h1>
        <p className="muted">{t('exports.intro')}</p>
        <NewExport />
        <h2>{t('exports.list')}</h2>
        <ExportList />
      </section>
    </AdminOnly>
  );
}
