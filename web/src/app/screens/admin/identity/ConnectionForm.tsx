import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createSsoConnection, type SsoConnection, updateSsoConnection } from '../../../api/identity.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useRun } from '../../../components/useRun.ts';

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

/** A new SSO connection (OIDC or SAML), or changes to one (secrets go in, never come out). */
export function ConnectionForm({ editing, onDone }: { editing: SsoConnection | null; onDone: () => void }) {
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
