import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { offboardUser, resetUserMfa, revokeUserSessions, updateUser } from '../../api/identity.ts';
import type { TenantRole, User } from '../../api/types.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAnnounce } from '../../components/Status.tsx';

const ROLES: TenantRole[] = ['viewer', 'editor', 'admin'];

/**
 * What an administrator does to one user: role, disable/enable, end their sessions, reset their
 * second factor, offboard (their documents and folders go to a colleague, or stay unowned).
 */
export function UserActions({ user, users, isMe }: { user: User; users: User[]; isMe: boolean }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const [error, setError] = useState<unknown>(null);
  const [offboarding, setOffboarding] = useState(false);
  const [transferTo, setTransferTo] = useState('');

  const run = async (work: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await work();
      announce(done);
    } catch (err) {
      setError(err);
    }
  };

  const who = { name: user.name };
  const gone = user.status !== 'active' && user.status !== 'invited' && user.status !== 'disabled';
  if (gone) return null;
  return (
    <div className="user-actions">
      <div className="row">
        <select
          aria-label={t('users.roleOf', who)}
          value={user.role}
          disabled={isMe}
          onChange={(e) =>
            void run(
              () => updateUser(user.id, { role: e.target.value as TenantRole }),
              t('users.roleChanged', who),
            )
          }
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)}
            </option>
          ))}
        </select>
        {isMe ? null : user.status === 'disabled' ? (
          <button
            type="button"
            aria-label={t('users.enableNamed', who)}
            onClick={() => void run(() => updateUser(user.id, { status: 'active' }), t('users.enabled', who))}
          >
            {t('users.enable')}
          </button>
        ) : (
          <button
            type="button"
            aria-label={t('users.disableNamed', who)}
            onClick={() =>
              void run(() => updateUser(user.id, { status: 'disabled' }), t('users.disabled', who))
            }
          >
            {t('users.disable')}
          </button>
        )}
        <button
          type="button"
          aria-label={t('users.revokeSessionsNamed', who)}
          onClick={() => void run(() => revokeUserSessions(user.id), t('users.sessionsRevoked', who))}
        >
          {t('users.revokeSessions')}
        </button>
        <button
          type="button"
          aria-label={t('users.resetMfaNamed', who)}
          onClick={() => {
            if (confirm(t('users.confirmResetMfa', who)))
              void run(() => resetUserMfa(user.id), t('users.mfaReset', who));
          }}
        >
          {t('users.resetMfa')}
        </button>
        {isMe ? null : (
          <button
            type="button"
            className="danger"
            aria-label={t('users.offboardNamed', who)}
            aria-expanded={offboarding}
            onClick={() => setOffboarding(!offboarding)}
          >
            {t('users.offboard')}
          </button>
        )}
      </div>
      {offboarding ? (
        <form
          className="card row"
          onSubmit={(e) => {
            e.preventDefault();
            void run(
              async () => {
                await offboardUser(user.id, transferTo || null);
                setOffboarding(false);
              },
              t('users.offboarded', who),
            );
          }}
        >
          <label htmlFor={`transfer-${user.id}`}>{t('users.transferTo')}</label>
          <select
            id={`transfer-${user.id}`}
            value={transferTo}
            onChange={(e) => setTransferTo(e.target.value)}
          >
            <option value="">{t('users.noTransfer')}</option>
            {users
              .filter((u) => u.id !== user.id && u.status === 'active')
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name} ({u.email})
                </option>
              ))}
          </select>
          <button type="submit" className="danger">
            {t('users.confirmOffboard')}
          </button>
        </form>
      ) : null}
      <ErrorText error={error} />
    </div>
  );
}
