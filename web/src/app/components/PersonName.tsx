import { useTranslation } from 'react-i18next';
import { useUsers } from '../api/directory.ts';
import { isAdmin, useMe } from '../api/session.ts';

/** A user id as a person: "you", a name (admins see the directory), else the id. */
export function PersonName({ id, known }: { id: string | null; known?: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const users = useUsers(isAdmin(me));
  if (!id) return null;
  if (id === me?.userId) return <>{t('common.you')}</>;
  const user = users.data?.find((u) => u.id === id);
  if (user) return <span title={user.email}>{user.name}</span>;
  return known ? <span>{known}</span> : <code>{id}</code>;
}
