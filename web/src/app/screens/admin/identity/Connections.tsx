import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type SsoConnection, useSsoConnections } from '../../../api/identity.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { ConnectionForm } from './ConnectionForm.tsx';

/** The organisation's single sign-on connections: list, add, edit. */
export function Connections() {
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
