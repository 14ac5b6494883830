import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, useParams } from 'react-router';
import { type FolderRef, useSubfolders } from '../api/folders.ts';

/** The folder tree: nested lists with disclosure buttons, lazily expanded (one request per opened folder). */
function Branch({ id, depth }: { id: FolderRef; depth: number }) {
  const { data, isPending } = useSubfolders(id, true);
  const { t } = useTranslation();
  if (isPending) return depth === 0 ? <p className="muted">{t('common.loading')}</p> : null;
  if (!data || data.length === 0) return null;
  return (
    <ul>
      {data.map((f) => (
        <Node key={f.id} id={f.id} name={f.name} depth={depth} />
      ))}
    </ul>
  );
}

function Node({ id, name, depth }: { id: string; name: string; depth: number }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <li>
      <span className="tree-item">
        <button
          type="button"
          className="tree-toggle"
          aria-expanded={open}
          aria-label={open ? t('tree.collapse', { name }) : t('tree.expand', { name })}
          onClick={() => setOpen((o) => !o)}
        >
          <span aria-hidden="true">{open ? '▾' : '▸'}</span>
        </button>
        <NavLink to={`/folders/${id}`}>{name}</NavLink>
      </span>
      {open ? <Branch id={id} depth={depth + 1} /> : null}
    </li>
  );
}

export function FolderTree() {
  const { t } = useTranslation();
  const { folderId } = useParams();
  return (
    <>
      <ul>
        <li>
          <NavLink to="/" end aria-current={!folderId && location.pathname === '/' ? 'page' : undefined}>
            {t('tree.allDocuments')}
          </NavLink>
        </li>
      </ul>
      <Branch id="root" depth={0} />
    </>
  );
}
