import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isAdmin, useMe } from '../api/session.ts';

/**
 * An admin screen: its content for tenant admins; for anyone else who reaches it by its address,
 * the refusal in words (the API refuses them too; nothing is asked of it).
 */
export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  const me = useMe();
  if (isAdmin(me)) return <>{children}</>;
  return (
    <section aria-labelledby="forbidden-title">
      <h1 id="forbidden-title">{title}</h1>
      <p className="error" role="alert">
        {t('admin.onlyAdmins')}
      </p>
    </section>
  );
}
