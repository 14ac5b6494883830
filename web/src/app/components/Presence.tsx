import { useTranslation } from 'react-i18next';
import { usePresence } from '../api/live.ts';
import { useMe } from '../api/session.ts';

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('') || '?';

/** Who is viewing the document now (live presence): an avatar per person, names for screen readers. */
export function Presence({ documentId }: { documentId: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const viewers = usePresence(documentId);
  if (viewers.length === 0) return null;
  return (
    <section className="presence" aria-label={t('presence.label')}>
      <ul className="avatars">
        {viewers.map((v) => {
          const name = v.userId === me?.userId ? t('presence.you', { name: v.name }) : v.name;
          return (
            <li key={v.userId} title={name}>
              <span className="avatar" aria-hidden="true">
                {initials(v.name)}
              </span>
              <span className="visually-hidden">{name}</span>
            </li>
          );
        })}
      </ul>
      <span className="muted small">{t('presence.viewing', { count: viewers.length })}</span>
    </section>
  );
}
