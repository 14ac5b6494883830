import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { formatDateTime } from '../../shared/i18n.ts';
import {
  confirmTotp,
  createApiToken,
  logoutEverywhere,
  newRecoveryCodes,
  removeMfa,
  revokeApiToken,
  revokeSession,
  startTotp,
  type TokenScope,
  useApiTokens,
  useMfa,
  useSessions,
} from '../api/account.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { useRun } from '../components/useRun.ts';

const SCOPES: TokenScope[] = ['documents:read', 'documents:write', 'audit:read'];

function Sessions() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const sessions = useSessions();
  const { error, run } = useRun();
  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">{t('account.sessions')}</h2>
      <ErrorText error={error ?? sessions.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('account.device')}</th>
              <th className="hide-narrow">{t('account.signedIn')}</th>
              <th>{t('account.lastSeen')}</th>
              <th>
                <span className="visually-hidden">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(sessions.data ?? []).map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td>
                  {s.userAgent ?? t(`account.kinds.${s.kind}`, { defaultValue: s.kind })}
                  {s.ip ? <span className="muted small"> · {s.ip}</span> : null}
                  {s.current ? <span className="badge"> {t('account.thisSession')}</span> : null}
                  {s.mfa ? <span className="muted small"> · {t('account.withSecondFactor')}</span> : null}
                </td>
                <td className="hide-narrow">{formatDateTime(s.createdAt)}</td>
                <td>{s.lastSeenAt ? formatDateTime(s.lastSeenAt) : '—'}</td>
                <td>
                  {s.current ? null : (
                    <button
                      type="button"
                      aria-label={t('account.revokeSession', { when: formatDateTime(s.createdAt) })}
                      onClick={() => void run(() => revokeSession(s.id), t('account.sessionRevoked'))}
                    >
                      {t('account.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button
        type="button"
        className="danger"
        onClick={() => {
          if (!confirm(t('account.confirmLogoutAll'))) return;
          void run(async () => {
            await logoutEverywhere();
            navigate('/sign-in');
          });
        }}
      >
        {t('account.logoutAll')}
      </button>
    </section>
  );
}

function ApiTokens() {
  const { t } = useTranslation();
  const tokens = useApiTokens();
  const { error, run } = useRun();
  const [form, setForm] = useState({ name: '', days: '90', scopes: ['documents:read'] as TokenScope[] });
  const [secret, setSecret] = useState<string | null>(null);

  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      setSecret(
        await createApiToken({
          name: form.name.trim(),
          scopes: form.scopes,
          expiresInDays: Number(form.days),
        }),
      );
      setForm({ ...form, name: '' });
    }, t('account.tokenCreated'));
  };

  const active = (tokens.data ?? []).filter((x) => !x.revokedAt);
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">{t('account.apiTokens')}</h2>
      <ErrorText error={error ?? tokens.error} />
      {secret ? (
        <div className="card">
          <label htmlFor="token-secret">{t('account.tokenSecret')}</label>
          <input id="token-secret" readOnly value={secret} onFocus={(e) => e.target.select()} />
          <p className="muted small">{t('account.tokenOnce')}</p>
          <button type="button" onClick={() => setSecret(null)}>
            {t('account.done')}
          </button>
        </div>
      ) : null}
      {active.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('account.tokenName')}</th>
                <th className="hide-narrow">{t('account.scopes')}</th>
                <th>{t('account.expires')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {active.map((x) => (
                <tr key={x.id}>
                  <td>{x.name}</td>
                  <td className="hide-narrow">{x.scopes.join(', ')}</td>
                  <td>{formatDateTime(x.expiresAt)}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={t('account.revokeToken', { name: x.name })}
                      onClick={() => void run(() => revokeApiToken(x.id), t('account.tokenRevoked'))}
                    >
                      {t('account.revokeTokenShort')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">{t('account.noTokens')}</p>
      )}
      <form className="card" onSubmit={create}>
        <h3 className="flush">{t('account.newToken')}</h3>
        <div className="row">
          <div className="field">
            <label htmlFor="token-name">{t('account.tokenName')}</label>
            <input
              id="token-name"
              required
              maxLength={100}
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="token-days">{t('account.validDays')}</label>
            <input
              id="token-days"
              type="number"
              min={1}
              max={365}
              required
              value={form.days}
              onChange={(e) => setForm({ ...form, days: e.target.value })}
            />
          </div>
        </div>
        <fieldset>
          <legend>{t('account.scopes')}</legend>
          {SCOPES.map((s) => (
            <label key={s} className="row">
              <input
                type="checkbox"
                checked={form.scopes.includes(s)}
                onChange={(e) =>
                  setForm({
                    ...form,
                    scopes: e.target.checked ? [...form.scopes, s] : form.scopes.filter((x) => x !== s),
                  })
                }
              />
              {t(`account.scopeNames.${s.replace(':', '_')}`)}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={form.scopes.length === 0}>
          {t('account.createToken')}
        </button>
      </form>
    </section>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="recovery-heading">
      <h3 id="recovery-heading" className="flush">
        {t('account.recoveryCodes')}
      </h3>
      <p>{t('account.recoveryOnce')}</p>
      <ul className="codes" aria-label={t('account.recoveryCodes')}>
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onDone}>
        {t('account.savedThem')}
      </button>
    </section>
  );
}

function TwoFactor() {
  const { t } = useTranslation();
  const mfa = useMfa();
  const { error, run } = useRun();
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [action, setAction] = useState<'codes' | 'remove' | null>(null);

  const confirmCode = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      setCodes(await confirmTotp(code.trim()));
      setEnrolment(null);
      setCode('');
    }, t('account.mfaOn'));
  };

  const withCode = (e: FormEvent) => {
    e.preventDefault();
    void run(
      async () => {
        if (action === 'codes') setCodes(await newRecoveryCodes(code.trim()));
        else await removeMfa(code.trim());
        setAction(null);
        setCode('');
      },
      action === 'remove' ? t('account.mfaOff') : undefined,
    );
  };

  const m = mfa.data;
  return (
    <section aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">{t('account.twoFactor')}</h2>
      <ErrorText error={error ?? mfa.error} />
      {codes ? <RecoveryCodes codes={codes} onDone={() => setCodes(null)} /> : null}
      {m ? (
        <p>
          {m.enrolled
            ? t('account.mfaEnrolled', { count: m.recoveryCodesRemaining })
            : m.requiredByPolicy
              ? t('account.mfaRequired')
              : t('account.mfaNotEnrolled')}
        </p>
      ) : null}
      {m && !m.enrolled && !enrolment ? (
        <button
          type="button"
          className="primary"
          onClick={() => void run(async () => setEnrolment(await startTotp()))}
        >
          {t('account.setUpTotp')}
        </button>
      ) : null}
      {enrolment ? (
        <form className="card" onSubmit={confirmCode}>
          <p>{t('account.scanOrType')}</p>
          <label htmlFor="otpauth-uri">{t('account.otpauthUri')}</label>
          <input id="otpauth-uri" readOnly value={enrolment.otpauthUri} onFocus={(e) => e.target.select()} />
          <label htmlFor="totp-secret">{t('account.secret')}</label>
          <input id="totp-secret" readOnly value={enrolment.secret} onFocus={(e) => e.target.select()} />
          <label htmlFor="totp-code">{t('account.codeToConfirm')}</label>
          <input
            id="totp-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <div className="row">
            <button type="submit" className="primary">
              {t('account.confirm')}
            </button>
            <button type="button" onClick={() => setEnrolment(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : null}
      {m?.enrolled && !action ? (
        <div className="row">
          <button type="button" onClick={() => setAction('codes')}>
            {t('account.newRecoveryCodes')}
          </button>
          <button type="button" className="danger" onClick={() => setAction('remove')}>
            {t('account.removeMfa')}
          </button>
        </div>
      ) : null}
      {action ? (
        <form className="card" onSubmit={withCode}>
          <label htmlFor="mfa-code">{t('account.currentCode')}</label>
          <input
            id="mfa-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <div className="row">
            <button type="submit" className={action === 'remove' ? 'danger' : 'primary'}>
              {action === 'remove' ? t('account.removeMfa') : t('account.newRecoveryCodes')}
            </button>
            <button type="button" onClick={() => setAction(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

/** The signed-in person's account: sessions, API tokens, two-factor sign-in. */
export default function AccountPage() {
  const { t } = useTranslation();
  return (
    <div>
      <h1>{t('account.title')}</h1>
      <TwoFactor />
      <Sessions />
      <ApiTokens />
    </div>
  );
}
