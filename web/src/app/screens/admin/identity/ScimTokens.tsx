import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../../shared/i18n.ts';
import { createScimToken, revokeScimToken, scimBaseUrl, useScimTokens } from '../../../api/scim.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useRun } from '../../../components/useRun.ts';
import { ShownOnce } from '../ShownOnce.tsx';

/**
 * SCIM provisioning: the tokens the organisation's identity provider uses on `/scim/v2` to
 * create, update and deactivate people and groups. A new token is shown once; revoking one
 * stops it at once.
 */
export function ScimTokens() {
  const { t } = useTranslation();
  const id = useId();
  const tokens = useScimTokens(true);
  const { error, run } = useRun();
  const [form, setForm] = useState({ name: '', days: '365' });
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);

  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const made = await createScimToken(form.name.trim(), Number(form.days));
      setCreated({ name: made.name, token: made.token });
      setForm({ name: '', days: '365' });
    }, t('scim.created'));
  };

  const live = (tokens.data ?? []).filter((k) => !k.revokedAt);
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t('scim.heading')}</h2>
      <p className="muted">{t('scim.explain')}</p>
      <div className="field">
        <label htmlFor={`${id}-base`}>{t('scim.baseUrl')}</label>
        <input id={`${id}-base`} readOnly value={scimBaseUrl()} onFocus={(e) => e.target.select()} />
      </div>
      <ErrorText error={error ?? tokens.error} />
      {created ? (
        <ShownOnce
          label={t('scim.newToken', { name: created.name })}
          value={created.token}
          note={t('scim.onlyOnce')}
          onDone={() => setCreated(null)}
        />
      ) : null}
      {tokens.data && live.length === 0 ? <p className="muted">{t('scim.none')}</p> : null}
      {live.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('scim.heading')}</caption>
            <thead>
              <tr>
                <th>{t('scim.name')}</th>
                <th className="hide-narrow">{t('scim.createdAt')}</th>
                <th>{t('scim.expires')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {live.map((k) => (
                <tr key={k.id} data-scim-token={k.id}>
                  <td>{k.name}</td>
                  <td className="hide-narrow">{formatDateTime(k.createdAt)}</td>
                  <td>{formatDateTime(k.expiresAt)}</td>
                  <td>
                    <button
                      type="button"
                      className="danger"
                      aria-label={t('scim.revokeNamed', { name: k.name })}
                      onClick={() => {
                        if (window.confirm(t('scim.confirmRevoke', { name: k.name })))
                          void run(() => revokeScimToken(k.id), t('scim.revoked'));
                      }}
                    >
                      {t('scim.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form className="card" onSubmit={create} aria-label={t('scim.newTokenForm')}>
        <div className="row">
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('scim.tokenName')}</label>
            <input
              id={`${id}-name`}
              required
              maxLength={100}
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-days`}>{t('scim.validDays')}</label>
            <input
              id={`${id}-days`}
              type="number"
              min={1}
              max={365}
              inputMode="numeric"
              value={form.days}
              onChange={(e) => setForm({ ...form, days: e.target.value })}
            />
          </div>
        </div>
        <button type="submit" disabled={!form.name.trim()}>
          {t('scim.create')}
        </button>
      </form>
    </section>
  );
}
