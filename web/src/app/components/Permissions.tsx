import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../api/directory.ts';
import { grant, revoke, useGrants } from '../api/grants.ts';
import { isAdmin, useMe } from '../api/session.ts';
import type { GrantRole } from '../api/types.ts';
import { ErrorText } from './ErrorText.tsx';
import { PersonName } from './PersonName.tsx';
import { useAnnounce } from './Status.tsx';

const ROLES: GrantRole[] = ['viewer', 'editor', 'owner'];
const PRINCIPAL = /^(usr|grp)_[0-9a-z]{25}$/;

/**
 * Who may read, edit or manage a folder or document: its grants, sharing with a colleague
 * (admins pick from the directory; others enter a user or group id), revoking. External links
 * join this panel when sharing links land.
 */
export function Permissions({
  resource,
  canManage,
}: {
  resource: { type: 'folder' | 'document'; id: string };
  canManage: boolean;
}) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const me = useMe();
  const admin = isAdmin(me);
  const grants = useGrants(resource);
  const users = useUsers(admin && canManage);
  const [principal, setPrincipal] = useState('');
  const [role, setRole] = useState<GrantRole>('viewer');
  const [error, setError] = useState<unknown>(null);

  const share = async (e: FormEvent) => {
    e.preventDefault();
    const id = principal.trim();
    if (!PRINCIPAL.test(id)) {
      setError(new Error('principal'));
      return;
    }
    setError(null);
    try {
      await grant(resource, { type: id.startsWith('grp_') ? 'group' : 'user', id }, role);
      setPrincipal('');
      announce(t('permissions.shared'));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="permissions-heading">
      <h2 id="permissions-heading">{t('permissions.heading')}</h2>
      <ErrorText error={grants.error} />
      {grants.data && grants.data.length === 0 ? <p className="muted">{t('permissions.none')}</p> : null}
      {grants.data && grants.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('permissions.who')}</th>
                <th>{t('permissions.role')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {grants.data.map((g) => (
                <tr key={g.id}>
                  <td>
                    {g.principalType === 'user' ? (
                      <PersonName id={g.principalId} name={g.principalName} />
                    ) : (
                      (g.principalName ?? <code>{g.principalId}</code>)
                    )}
                  </td>
                  <td>{t(`roles.${g.role}`)}</td>
                  <td>
                    {canManage ? (
                      <button
                        type="button"
                        className="danger"
                        onClick={() =>
                          void revoke(resource, g.id)
                            .then(() => announce(t('permissions.revoked')))
                            .catch(setError)
                        }
                      >
                        {t('permissions.revoke')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {canManage ? (
        <form className="row card" onSubmit={share} aria-label={t('permissions.share')}>
          <label htmlFor="share-principal">{t('permissions.with')}</label>
          {admin ? (
            <select id="share-principal" value={principal} onChange={(e) => setPrincipal(e.target.value)}>
              <option value="">{users.data ? t('permissions.choosePerson') : t('common.loading')}</option>
              {(users.data ?? [])
                .filter((u) => u.id !== me?.userId)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name} ({u.email})
                  </option>
                ))}
            </select>
          ) : (
            <input
              id="share-principal"
              placeholder="usr_… / grp_…"
              value={principal}
              onChange={(e) => setPrincipal(e.target.value)}
            />
          )}
          <label htmlFor="share-role">{t('permissions.role')}</label>
          <select id="share-role" value={role} onChange={(e) => setRole(e.target.value as GrantRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
          <button type="submit" className="primary" disabled={!principal}>
            {t('permissions.share')}
          </button>
        </form>
      ) : null}
      {error instanceof Error && error.message === 'principal' ? (
        <p className="error" role="alert">
          {t('permissions.badPrincipal')}
        </p>
      ) : (
        <ErrorText error={error} />
      )}
    </section>
  );
}
