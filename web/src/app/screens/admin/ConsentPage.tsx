import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../shared/i18n.ts';
import {
  createPurpose,
  exportConsents,
  type Purpose,
  updatePurpose,
  useConsentState,
} from '../../api/consent.ts';
import { AdminOnly } from '../../components/AdminOnly.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PersonName } from '../../components/PersonName.tsx';
import { useRun } from '../../components/useRun.ts';

const emptyPurpose = { key: '', name: '', textVersion: '1', description: '' };

function NewPurpose() {
  const { t } = useTranslation();
  const { error, busy, run } = useRun();
  const [p, setP] = useState(emptyPurpose);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await createPurpose({
        key: p.key.trim(),
        name: p.name.trim(),
        textVersion: p.textVersion.trim(),
        ...(p.description.trim() ? { description: p.description.trim() } : {}),
      });
      setP(emptyPurpose);
    }, t('consent.created'));
  };
  const field = (k: keyof typeof emptyPurpose, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`purpose-${k}`}>{t(`consent.fields.${k}`)}</label>
      <input
        id={`purpose-${k}`}
        value={p[k]}
        onChange={(e) => setP({ ...p, [k]: e.target.value })}
        {...extra}
      />
    </div>
  );
  return (
    <form className="card" onSubmit={submit} aria-labelledby="purpose-new">
      <h2 id="purpose-new">{t('consent.new')}</h2>
      <div className="row">
        {field('name', { required: true, maxLength: 200 })}
        {field('key', {
          required: true,
          pattern: '[a-z0-9][a-z0-9_.\\-]{0,63}',
          'aria-describedby': 'purpose-key-hint',
        })}
        {field('textVersion', { required: true, maxLength: 64 })}
      </div>
      <p id="purpose-key-hint" className="muted small">
        {t('consent.keyHint')}
      </p>
      {field('description', { maxLength: 4000 })}
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t('consent.define')}
      </button>
    </form>
  );
}

/** Publishing a new text version: earlier grants name the old one, so people are asked again. */
function NewVersion({ purpose }: { purpose: Purpose }) {
  const { t } = useTranslation();
  const { error, busy, run } = useRun();
  const [version, setVersion] = useState('');
  const id = `version-${purpose.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await updatePurpose(purpose.id, { textVersion: version.trim() });
      setVersion('');
    }, t('consent.published'));
  };
  return (
    <form className="row" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        {t('consent.newVersionOf', { name: purpose.name })}
      </label>
      <input
        id={id}
        required
        maxLength={64}
        size={8}
        placeholder={t('consent.newVersion')}
        value={version}
        onChange={(e) => setVersion(e.target.value)}
      />
      <button type="submit" disabled={busy} aria-label={t('consent.publishNamed', { name: purpose.name })}>
        {t('consent.publish')}
      </button>
      <ErrorText error={error} />
    </form>
  );
}

function Consent() {
  const { t } = useTranslation();
  const state = useConsentState();
  const { error, busy, run } = useRun();
  const purposes = state.data?.purposes ?? [];
  const answers = state.data?.items ?? [];
  const nameOf = (id: string) => purposes.find((p) => p.id === id)?.name ?? id;
  return (
    <section className="stack" aria-labelledby="consent-title">
      <div className="row">
        <h1 id="consent-title" className="spacer">
          {t('consent.title')}
        </h1>
        <button type="button" disabled={busy} onClick={() => void run(exportConsents, t('consent.exported'))}>
          {t('consent.export')}
        </button>
      </div>
      <p className="muted">{t('consent.intro')}</p>
      <ErrorText error={error ?? state.error} />
      {state.isPending ? <Loading /> : null}
      <h2 id="purposes-title">{t('consent.purposes')}</h2>
      {state.isSuccess && purposes.length === 0 ? <p className="muted">{t('consent.noPurposes')}</p> : null}
      {purposes.length ? (
        <div className="table-wrap">
          <table aria-labelledby="purposes-title">
            <thead>
              <tr>
                <th>{t('consent.fields.name')}</th>
                <th className="hide-narrow">{t('consent.fields.key')}</th>
                <th>{t('consent.fields.textVersion')}</th>
                <th>{t('consent.granted')}</th>
                <th>{t('consent.newVersion')}</th>
              </tr>
            </thead>
            <tbody>
              {purposes.map((p) => (
                <tr key={p.id} data-purpose={p.key}>
                  <td>
                    {p.name}
                    {p.description ? <div className="muted small">{p.description}</div> : null}
                  </td>
                  <td className="hide-narrow">
                    <code>{p.key}</code>
                  </td>
                  <td>{p.textVersion}</td>
                  <td>{t('consent.grantedCount', { count: p.granted, n: formatNumber(p.granted) })}</td>
                  <td>
                    <NewVersion purpose={p} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <NewPurpose />
      <h2 id="answers-title">{t('consent.answers')}</h2>
      {state.isSuccess && answers.length === 0 ? <p className="muted">{t('consent.noAnswers')}</p> : null}
      {answers.length ? (
        <div className="table-wrap">
          <table aria-labelledby="answers-title">
            <thead>
              <tr>
                <th>{t('consent.person')}</th>
                <th>{t('consent.purpose')}</th>
                <th>{t('consent.decision')}</th>
                <th className="hide-narrow">{t('consent.fields.textVersion')}</th>
                <th className="hide-narrow">{t('consent.when')}</th>
              </tr>
            </thead>
            <tbody>
              {answers.map((a) => (
                <tr key={a.id}>
                  <td>{a.userId === 'erased' ? t('consent.erasedPerson') : <PersonName id={a.userId} />}</td>
                  <td>{nameOf(a.purposeId)}</td>
                  <td>{t(`consent.decisions.${a.decision}`)}</td>
                  <td className="hide-narrow">{a.textVersion}</td>
                  <td className="hide-narrow">{formatDateTime(a.occurredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Consent (admins): purposes (define, publish a new text version), everyone's answers, the history's export. */
export default function ConsentPage() {
  const { t } = useTranslation();
  return (
    <AdminOnly title={t('consent.title')}>
      <Consent />
    </AdminOnly>
  );
}
