import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../shared/i18n.ts';
import { createGroup, createUser, setMember, useUsers } from '../../api/directory.ts';
import { isAdmin, useMe } from '../../api/session.ts';
import type { Group, TenantRole } from '../../api/types.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAnnounce } from '../../components/Status.tsx';
import { UserActions } from './UserActions.tsx';

const ROLES: TenantRole[] = ['viewer', 'editor', 'admin'];

/** Users (list, add with a role and a password or an invitation) and groups (create, membership). */
export default function UsersPage() {
  const { t } = useTranslation();
  const me = useMe();
  const announce = useAnnounce();
  const users = useUsers(isAdmin(me));
  const [form, setForm] = useState({ name: '', email: '', role: 'editor' as TenantRole, password: '' });
  const [groupName, setGroupName] = useState('');
  const [groups, setGroups] = useState<Group[]>([]);
  const [membership, setMembership] = useState({ groupId: '', userId: '' });
  const [error, setError] = useState<unknown>(null);

  const run = async (work: () => Promise<void>, done: string) => {
    setError(null);
    try {
      await work();
      announce(done);
    } catch (err) {
      setError(err);
    }
  };

  const addUser = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await createUser({
        name: form.name.trim(),
        email: form.email.trim(),
        role: form.role,
        ...(form.password ? { password: form.password } : {}),
      });
      setForm({ name: '', email: '', role: 'editor', password: '' });
    }, t('users.added'));
  };

  const addGroup = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const g = await createGroup(groupName.trim());
      setGroups((list) => [...list, g]);
      setGroupName('');
    }, t('groups.created'));
  };

  const changeMembership = (member: boolean) =>
    void run(
      () => setMember(membership.groupId, membership.userId, member),
      member ? t('groups.memberAdded') : t('groups.memberRemoved'),
    );

  if (!isAdmin(me)) return <p>{t('admin.onlyAdmins')}</p>;
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t('users.title')}</h1>
      <ErrorText error={error ?? users.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('users.name')}</th>
              <th>{t('users.email')}</th>
              <th>{t('users.role')}</th>
              <th className="hide-narrow">{t('users.status')}</th>
              <th className="hide-narrow">{t('users.created')}</th>
              <th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{t(`roles.${u.role}`)}</td>
                <td className="hide-narrow">{t(`users.statuses.${u.status}`, { defaultValue: u.status })}</td>
                <td className="hide-narrow">{formatDateTime(u.createdAt)}</td>
                <td>
                  <UserActions user={u} users={users.data ?? []} isMe={u.id === me?.userId} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t('users.add')}</h2>
      <form className="card" onSubmit={addUser}>
        <div className="row">
          <div className="field">
            <label htmlFor="user-name">{t('users.name')}</label>
            <input
              id="user-name"
              required
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="user-email">{t('users.email')}</label>
            <input
              id="user-email"
              type="email"
              required
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="user-role">{t('users.role')}</label>
            <select
              id="user-role"
              value={form.role}
              onChange={(e) => setForm({ ...form, role: e.target.value as TenantRole })}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="user-password">{t('users.password')}</label>
            <input
              id="user-password"
              type="password"
              autoComplete="new-password"
              minLength={12}
              aria-describedby="user-password-hint"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
            <span id="user-password-hint" className="muted">
              {t('users.passwordHint')}
            </span>
          </div>
        </div>
        <button type="submit" className="primary">
          {t('users.add')}
        </button>
      </form>
      <h2>{t('groups.title')}</h2>
      <form className="row card" onSubmit={addGroup}>
        <label htmlFor="group-name">{t('groups.name')}</label>
        <input id="group-name" required value={groupName} onChange={(e) => setGroupName(e.target.value)} />
        <button type="submit">{t('groups.create')}</button>
      </form>
      {groups.length > 0 ? (
        <ul>
          {groups.map((g) => (
            <li key={g.id}>
              {g.name} <code>{g.id}</code>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="row card" onSubmit={(e) => e.preventDefault()} aria-label={t('groups.membership')}>
        <label htmlFor="member-group">{t('groups.group')}</label>
        <input
          id="member-group"
          list="known-groups"
          placeholder="grp_…"
          value={membership.groupId}
          onChange={(e) => setMembership({ ...membership, groupId: e.target.value })}
        />
        <datalist id="known-groups">
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </datalist>
        <label htmlFor="member-user">{t('groups.user')}</label>
        <select
          id="member-user"
          value={membership.userId}
          onChange={(e) => setMembership({ ...membership, userId: e.target.value })}
        >
          <option value="">{t('permissions.choosePerson')}</option>
          {(users.data ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!membership.groupId || !membership.userId}
          onClick={() => changeMembership(true)}
        >
          {t('groups.addMember')}
        </button>
        <button
          type="button"
          disabled={!membership.groupId || !membership.userId}
          onClick={() => changeMembership(false)}
        >
          {t('groups.removeMember')}
        </button>
      </form>
    </section>
  );
}
