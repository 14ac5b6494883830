import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../shared/i18n.ts';
import {
  acknowledgeAlert,
  createSsoConnection,
  type IdentitySettings,
  type SsoConnection,
  saveIdentitySettings,
  updateSsoConnection,
  useIdentityAlerts,
  useIdentitySettings,
  useSsoConnections,
} from '../../api/identity.ts';
import { isAdmin, useMe } from '../../api/session.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAnnounce } from '../../components/Status.tsx';

function useRun() {
  const announce = useAnnounce();
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await work();
      announce(done);
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  return { error, run };
}

function Settings() {
  const { t } = useTranslation();
  const settings = useIdentitySettings(true);
  const { error, run } = useRun();
  const s = settings.data;
  const save = (change: Partial<Pick<IdentitySettings, 'mfaRequired' | 'passwordLogin' | 'trustIdpMfa'>>) =>
    void run(() => saveIdentitySettings(change), t('document.saved'));
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">{t('identity.settings')}</h2>
      <ErrorText error={error ?? settings.error} />
      {s ? (
        <div className="card">
          <div className="field">
            <label htmlFor="mfa-policy">{t('identity.mfaPolicy')}</label>
            <select
              id="mfa-policy"
              value={s.mfaRequired}
              onChange={(e) => save({ mfaRequired: e.target.value as IdentitySettings['mfaRequired'] })}
            >
              {(['off', 'admins', 'all'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`identity.mfa.${v}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="password-login">{t('identity.passwordLogin')}</label>
            <select
              id="password-login"
              value={s.passwordLogin}
              onChange={(e) => save({ passwordLogin: e.target.value as IdentitySettings['passwordLogin'] })}
            >
              {(['allowed', 'sso_only'] as const).map((v) => (
                <option key={v} value={v}>
                  {t(`identity.password.${v}`)}
                </option>
              ))}
            </select>
          </div>
          <label className="row">
            <input
              type="checkbox"
              checked={s.trustIdpMfa}
              onChange={(e) => save({ trustIdpMfa: e.target.checked })}
            />
            {t('identity.trustIdpMfa')}
          </label>
          {s.ssoUnavailable ? (
            <p className="warning">
              {t('identity.ssoUnavailable', {
                until: s.ssoUnavailableUntil ? formatDateTime(s.ssoUnavailableUntil) : '—',
              })}
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

type Draft = {
  name: string;
  protocol: 'oidc' | 'saml';
  enabled: boolean;
  jit: boolean;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificate: string;
};

const emptyDraft: Draft = {
  name: '',
  protocol: 'oidc',
  enabled: true,
  jit: true,
  issuer: '',
  clientId: '',
  clientSecret: '',
  scopes: 'openid email profile',
  idpEntityId: '',
  idpSsoUrl: '',
  idpCertificate: '',
};

function draftOf(c: SsoConnection): Draft {
  const cfg = c.config as Record<string, unknown>;
  const str = (k: string) => (typeof cfg[k] === 'string' ? (cfg[k] as string) : '');
  return {
    ...emptyDraft,
    name: c.name,
    protocol: c.protocol,
    enabled: c.enabled,
    jit: c.jit,
    issuer: str('issuer'),
    clientId: str('clientId'),
    scopes: Array.isArray(cfg.scopes) ? (cfg.scopes as string[]).join(' ') : emptyDraft.scopes,
    idpEntityId: str('idpEntityId'),
    idpSsoUrl: str('idpSsoUrl'),
  };
}

function protocolPart(d: Draft) {
  return d.protocol === 'oidc'
    ? {
        oidc: {
          issuer: d.issuer.trim(),
          clientId: d.clientId.trim(),
          ...(d.clientSecret ? { clientSecret: d.clientSecret } : {}),
          scopes: d.scopes.split(/\s+/).filter(Boolean),
        },
      }
    : {
        saml: {
          idpEntityId: d.idpEntityId.trim(),
          idpSsoUrl: d.idpSsoUrl.trim(),
          ...(d.idpCertificate.trim() ? { idpCertificates: [d.idpCertificate.trim()] } : {}),
        },
      };
}

function ConnectionForm({ editing, onDone }: { editing: SsoConnection | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { error, run } = useRun();
  const [d, setD] = useState<Draft>(editing ? draftOf(editing) : emptyDraft);
  const field = (k: keyof Draft, label: string, o: { type?: string; required?: boolean } = {}) => (
    <div className="field">
      <label htmlFor={`sso-${k}`}>{label}</label>
      <input
        id={`sso-${k}`}
        type={o.type ?? 'text'}
        required={o.required}
        value={d[k] as string}
        onChange={(e) => setD({ ...d, [k]: e.target.value })}
      />
    </div>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const common = { name: d.name.trim(), enabled: d.enabled, jit: d.jit, ...protocolPart(d) };
    void run(
      async () => {
        if (editing) await updateSsoConnection(editing.id, common);
        else await createSsoConnection({ ...common, protocol: d.protocol });
        onDone();
      },
      editing ? t('document.saved') : t('identity.connectionCreated'),
    );
  };
  return (
    <form
      className="card"
      onSubmit={submit}
      aria-label={editing ? t('identity.editConnection') : t('identity.newConnection')}
    >
      <div className="row">
        {field('name', t('identity.connectionName'), { required: true })}
        <div className="field">
          <label htmlFor="sso-protocol">{t('identity.protocol')}</label>
          <select
            id="sso-protocol"
            value={d.protocol}
            disabled={!!editing}
            onChange={(e) => setD({ ...d, protocol: e.target.value as Draft['protocol'] })}
          >
            <option value="oidc">OpenID Connect</option>
            <option value="saml">SAML 2.0</option>
          </select>
        </div>
      </div>
      {d.protocol === 'oidc' ? (
        <div className="row">
          {field('issuer', t('identity.issuer'), { type: 'url', required: true })}
          {field('clientId', t('identity.clientId'), { required: true })}
          {field(
            'clientSecret',
            editing?.hasClientSecret ? t('identity.clientSecretKeep') : t('identity.clientSecret'),
            {
              type: 'password',
            },
          )}
          {field('scopes', t('identity.scopes'))}
        </div>
      ) : (
        <div className="row">
          {field('idpEntityId', t('identity.idpEntityId'), { required: true })}
          {field('idpSsoUrl', t('identity.idpSsoUrl'), { type: 'url', required: true })}
          <div className="field">
            <label htmlFor="sso-cert">{t('identity.idpCertificate')}</label>
            <textarea
              id="sso-cert"
              rows={3}
              value={d.idpCertificate}
              onChange={(e) => setD({ ...d, idpCertificate: e.target.value })}
            />
          </div>
        </div>
      )}
      <label className="row">
        <input
          type="checkbox"
          checked={d.enabled}
          onChange={(e) => setD({ ...d, enabled: e.target.checked })}
        />
        {t('identity.enabled')}
      </label>
      <label className="row">
        <input type="checkbox" checked={d.jit} onChange={(e) => setD({ ...d, jit: e.target.checked })} />
        {t('identity.jit')}
      </label>
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
        <button type="button" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function Connections() {
  const { t } = useTranslation();
  const connections = useSsoConnections(true);
  const [editing, setEditing] = useState<SsoConnection | 'new' | null>(null);
  return (
    <section aria-labelledby="sso-heading">
      <h2 id="sso-heading">{t('identity.connections')}</h2>
      <ErrorText error={connections.error} />
      {connections.data && connections.data.length === 0 ? (
        <p className="muted">{t('identity.noConnections')}</p>
      ) : null}
      {connections.data && connections.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('identity.connectionName')}</th>
                <th>{t('identity.protocol')}</th>
                <th>{t('identity.state')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {connections.data.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{c.protocol.toUpperCase()}</td>
                  <td>{c.enabled ? t('identity.enabled') : t('identity.disabled')}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={t('identity.editNamed', { name: c.name })}
                      onClick={() => setEditing(c)}
                    >
                      {t('identity.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {editing ? (
        <ConnectionForm
          key={editing === 'new' ? 'new' : editing.id}
          editing={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>
          {t('identity.newConnection')}
        </button>
      )}
    </section>
  );
}

function Alerts() {
  const { t } = useTranslation();
  const alerts = useIdentityAlerts(true);
  const { error, run } = useRun();
  const open = (alerts.data ?? []).filter((a) => !a.acknowledgedAt);
  return (
    <section aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">{t('identity.alerts')}</h2>
      <ErrorText error={error ?? alerts.error} />
      {alerts.data && open.length === 0 ? <p className="muted">{t('identity.noAlerts')}</p> : null}
      <ul className="alerts">
        {open.map((a) => (
          <li key={a.id} className="card row">
            <span className="spacer">
              <strong>{t(`alerts.titles.${a.code}`)}</strong>{' '}
              {t(`alerts.texts.${a.code}`, { user: a.params.userName ?? a.params.userId ?? '' })}{' '}
              {a.params.ip ? (
                <span className="muted small">{t('alerts.from', { ip: a.params.ip })}</span>
              ) : null}{' '}
              <time className="muted small" dateTime={a.createdAt}>
                {formatDateTime(a.createdAt)}
              </time>
            </span>
            <button
              type="button"
              onClick={() => void run(() => acknowledgeAlert(a.id), t('identity.acknowledged'))}
            >
              {t('identity.acknowledge')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Identity administration: sign-in policy, single sign-on connections, alerts. */
export default function IdentityPage() {
  const { t } = useTranslation();
  const me = useMe();
  if (!isAdmin(me)) return <p>{t('admin.onlyAdmins')}</p>;
  return (
    <div>
      <h1>{t('identity.title')}</h1>
      <Alerts />
      <Settings />
      <Connections />
    </div>
  );
}
