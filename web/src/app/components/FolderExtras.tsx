import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { trashFolder } from '../api/folders.ts';
import type { FolderDetail } from '../api/types.ts';
import { Activity } from './Activity.tsx';
import { ErrorText } from './ErrorText.tsx';
import { ShareLinks } from './ShareLinks.tsx';
import { useAnnounce } from './Status.tsx';

/**
 * What a folder page shows beyond its contents, loaded on demand: moving the whole folder to
 * the trash, its external links (owners) and its activity.
 */
export default function FolderExtras({ folder }: { folder: FolderDetail }) {
  const { t } = useTranslation();
  const announce = useAnnounce();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const manage = folder.abilities.manage;
  const trash = async () => {
    if (!confirm(t('folderTrash.confirm', { name: folder.name }))) return;
    setError(null);
    try {
      const out = await trashFolder(folder.id);
      announce(t('folderTrash.done', { count: out.documents }));
      navigate(folder.parentId ? `/folders/${folder.parentId}` : '/');
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      {manage ? (
        <div className="row">
          <button type="button" className="danger" onClick={() => void trash()}>
            {t('folderTrash.move')}
          </button>
        </div>
      ) : null}
      <ErrorText error={error} />
      {manage ? <ShareLinks resource={{ type: 'folder', id: folder.id }} /> : null}
      <section aria-labelledby="folder-activity">
        <h2 id="folder-activity">{t('activity.title')}</h2>
        <Activity resource={{ type: 'folder', id: folder.id }} />
      </section>
    </>
  );
}
