import { useTranslation } from 'react-i18next';
import { useUsers } from '../api/directory.ts';
import { isAdmin, useMe } from '../api/session.ts';

/**
 * A person: "you", else the name the API gave beside the id (`authorName`, `actorName`,
 * `requesterName`, `createdByName`, a grant's `principalName`: any member who sees the object
 * sees it, never an email). Where a response carries an id only (a search facet, an audit entry),
 * admins get the name from the directory; others see the id.
 */
export function PersonName({ id, name }: { id: string | null; name?: string | null }) {
  const { t } = useTranslation();
  const me = useMe();
  if (!id) return null;
  if (id === me?.userId) return <>{t('common.you')}</>;
  if (name) return <span>{name}</span>;
  return <FromDirectory id={id} admin={isAdmin(me)} />;
}

function FromDirectory({ id, admin }: { id: string; admin: boolean }) {
  const users = useUsers(admin);
  const user = users.data?.find((u) => u.id === id);
  return user ? <span title={user.email}>{user.name}</span> : <code>{id}</code>;
}
