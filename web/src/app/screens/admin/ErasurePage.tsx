import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../shared/i18n.ts';
import { useUsers } from '../../api/directory.ts';
import { ERASURE_STORES, type ErasureRequest, requestErasure, useErasures } from '../../api/erasure.ts';
import { useMe } from '../../api/session.ts';
import { AdminOnly } from '../../components/AdminOnly.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { Loading } from '../../components/Loading.tsx';
import { PersonName } from '../../components/PersonName.tsx';
import { useRun } from '../../components/useRun.ts';

function NewErasure() {
  const { t } = useTranslation();
  const me = useMe();
  const users = useUsers();
  const { error, busy, run } = useRun();
  const [userId, setUserId] = useState('');
  const [reassignTo, setReassignTo] = useState('');
  const [deadline, setDeadline] = useState('');
  const people = (users.data ?? []).filter((u) => u.id !== me?.userId);
  const admins = (users.data ?? []).filter(
    (u) => u.role === 'admin' && u.status === 'active' && u.id !== userId,
  );
  const subject = people.find((u) => u.id === userId);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!subject || !confirm(t('erasure.confirm', { name: subject.name }))) return;
    void run(async () => {
      await requestErasure({
        userId,
        ...(reassignTo ? { reassignTo } : {}),
        ...(deadline ? { deadline: new Date(`${deadline}T23:59:59`).toISOString() } : {}),
      });
      setUserId('');
      setReassignTo('');
      setDeadline('');
    }, t('erasure.requested'));
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="erasure-new">
      <h2 id="erasure-new">{t('erasure.new')}</h2>
      <p className="muted">{t('erasure.what')}</p>
      <div className="row">
        <div className="field">
          <label htmlFor="erasure-user">{t('erasure.person')}</label>
          <select id="erasure-user" required value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">{t('erasure.pickPerson')}</option>
            {people.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="erasure-reassign">{t('erasure.reassignTo')}</label>
          <select id="erasure-reassign" value={reassignTo} onChange={(e) => setReassignTo(e.target.value)}>
            <option value="">{t('erasure.oldestAdmin')}</option>
            {admins.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === me?.userId ? t('common.you') : u.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="erasure-deadline">{t('erasure.deadline')}</label>
          <input
            id="erasure-deadline"
            type="date"
            value={deadline}
            aria-describedby="erasure-deadline-hint"
            onChange={(e) => setDeadline(e.target.value)}
          />
          <span id="erasure-deadline-hint" className="muted small">
            {t('erasure.deadlineHint')}
          </span>
        </div>
      </div>
      <ErrorText error={error} />
      <button type="submit" className="danger" disabled={busy || !userId}>
        {t('erasure.submit')}
      </button>
    </form>
  );
}

/** Per store: erased (and, once verified, what the check found), or still to do. */
function Progress({ r }: { r: ErasureRequest }) {
  const { t } = useTranslation();
  const proof = new Map((r.proof?.stores ?? []).map((s) => [s.store, s]));
  return (
    <ul className="steps" aria-label={t('erasure.stores')}>
      {ERASURE_STORES.map((s) => {
        const done = r.steps[s] === 'done' || r.status === 'completed';
        const p = proof.get(s);
        return (
          <li key={s} data-done={done}>
            {t(`erasure.storeNames.${s}`)}: {done ? t('erasure.erased') : t('erasure.toDo')}
            {p ? (
              <span className={p.count ? 'error' : 'ok'}>
                {' '}
                · {t('erasure.found', { count: p.count, n: formatNumber(p.count) })}
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function Requests() {
  const { t } = useTranslation();
  const erasures = useErasures();
  const items = erasures.data ?? [];
  return (
    <section className="stack" aria-labelledby="erasure-title">
      <h1 id="erasure-title">{t('erasure.title')}</h1>
      <p className="muted">{t('erasure.intro')}</p>
      <NewErasure />
      <h2 id="erasure-list">{t('erasure.list')}</h2>
      <ErrorText error={erasures.error} />
      {erasures.isPending ? <Loading /> : null}
      {erasures.isSuccess && items.length === 0 ? <p className="muted">{t('erasure.none')}</p> : null}
      {items.length ? (
        <div className="table-wrap">
          <table aria-labelledby="erasure-list">
            <thead>
              <tr>
                <th>{t('erasure.person')}</th>
                <th>{t('erasure.status')}</th>
                <th>{t('erasure.progress')}</th>
                <th className="hide-narrow">{t('erasure.deadline')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-erasure={r.id}>
                  <td>
                    {r.userId ? (
                      <PersonName id={r.userId} />
                    ) : (
                      <span title={r.subjectFingerprint}>{t('erasure.erasedPerson')}</span>
                    )}
                    <div className="muted small">
                      {t('erasure.requestedBy')} <PersonName id={r.requestedBy} />,{' '}
                      {formatDateTime(r.createdAt)}
                    </div>
                  </td>
                  <td>
                    <span
                      className={
                        r.status === 'failed' ? 'error' : r.status === 'completed' ? 'ok' : undefined
                      }
                    >
                      {t(`erasure.statuses.${r.status}`)}
                    </span>
                    {r.status === 'held' ? <div className="small">{t('erasure.heldWhy')}</div> : null}
                    {r.completedAt ? (
                      <div className="muted small">{formatDateTime(r.completedAt)}</div>
                    ) : null}
                    {r.lastError && r.status !== 'completed' ? (
                      <div className="error small">{t('erasure.attempts', { count: r.attempts })}</div>
                    ) : null}
                  </td>
                  <td>
                    <Progress r={r} />
                    {r.proof?.verified ? (
                      <p className="ok small">
                        {t('erasure.verified', { when: formatDateTime(r.proof.verifiedAt) })}
                      </p>
                    ) : null}
                  </td>
                  <td className="hide-narrow">
                    {formatDateTime(r.deadline)}
                    {r.overdue ? <div className="error small">{t('erasure.overdue')}</div> : null}
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

/** Erasure requests (admins): ask for a person's erasure, follow it store by store, see the proof. */
export default function ErasurePage() {
  const { t } = useTranslation();
  return (
    <AdminOnly title={t('erasure.title')}>
      <Requests />
    </AdminOnly>
  );
}
