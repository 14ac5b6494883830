import {
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
  lazy,
  Suspense,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { formatDateTime } from '../../shared/i18n.ts';
import { trashDocument } from '../api/documents.ts';
import { createFolder, deleteFolder, renameFolder, useChildren, useFolder } from '../api/folders.ts';
import { useMe } from '../api/session.ts';
import type { Child } from '../api/types.ts';
import { ErrorText } from '../components/ErrorText.tsx';
import { FocusedInput } from '../components/Focus.tsx';
import { Icon } from '../components/Icon.tsx';
import { LoadMore } from '../components/LoadMore.tsx';
import { Permissions } from '../components/Permissions.tsx';
import { useAnnounce } from '../components/Status.tsx';
import { UploadList, useUploads } from '../components/Uploads.tsx';

type SortKey = 'name' | 'updated';
const BulkActions = lazy(() => import('../components/BulkActions.tsx'));
const FolderExtras = lazy(() => import('../components/FolderExtras.tsx'));
const nameOf = (c: Child) => (c.kind === 'folder' ? c.name : c.title);

/**
 * A folder (or the top level): breadcrumbs, new folder, drag-and-drop upload with per-file
 * progress, and the list of subfolders and documents with sorting, selection and keyboard
 * navigation (↑/↓ move, Home/End, Space selects, Enter opens, Delete moves the selection to the trash).
 */
export function Browse() {
  const { t } = useTranslation();
  const { folderId = null } = useParams();
  const folder = useFolder(folderId);
  const children = useChildren(folderId ?? 'root');
  const uploads = useUploads({ folderId });
  const navigate = useNavigate();
  const announce = useAnnounce();
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dragging, setDragging] = useState(false);
  const [newFolder, setNewFolder] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const tbody = useRef<HTMLTableSectionElement>(null);

  const items = useMemo(() => {
    const all = children.data?.pages.flatMap((p) => p.items) ?? [];
    const cmp = (a: Child, b: Child) => {
      if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
      const v =
        sort.key === 'name'
          ? nameOf(a).localeCompare(nameOf(b), undefined, { sensitivity: 'base', numeric: true })
          : a.updatedAt.localeCompare(b.updatedAt);
      return v * sort.dir;
    };
    return [...all].sort(cmp);
  }, [children.data, sort]);

  const documents = items.filter((i) => i.kind === 'document');
  const selectedDocs = documents.filter((d) => selected.has(d.id));
  const me = useMe();
  const canWrite = folderId
    ? (folder.data?.abilities.write ?? false)
    : !!me?.roles.some((r) => r === 'admin' || r === 'editor');

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const trashSelected = async () => {
    setError(null);
    try {
      for (const d of selectedDocs) await trashDocument(d.id);
      announce(t('browse.trashed', { count: selectedDocs.length }));
      setSelected(new Set());
    } catch (err) {
      setError(err);
    }
  };

  const [renaming, setRenaming] = useState<string | null>(null);
  const submitRename = async (e: FormEvent) => {
    e.preventDefault();
    if (!folderId || !renaming?.trim()) return;
    setError(null);
    try {
      await renameFolder(folderId, renaming.trim());
      announce(t('document.saved'));
      setRenaming(null);
    } catch (err) {
      setError(err);
    }
  };
  const removeFolder = async () => {
    if (!folderId || !folder.data || !confirm(t('browse.confirmDeleteFolder', { name: folder.data.name })))
      return;
    setError(null);
    try {
      const parent = folder.data.parentId;
      await deleteFolder(folderId);
      announce(t('browse.folderDeleted'));
      navigate(parent ? `/folders/${parent}` : '/');
    } catch (err) {
      setError(err);
    }
  };

  const submitFolder = async (e: FormEvent) => {
    e.preventDefault();
    if (!newFolder?.trim()) return;
    setError(null);
    try {
      await createFolder(newFolder.trim(), folderId);
      announce(t('browse.folderCreated'));
      setNewFolder(null);
    } catch (err) {
      setError(err);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const rows = [...(tbody.current?.querySelectorAll<HTMLElement>('tr[data-id]') ?? [])];
    const current = rows.findIndex((r) => r.contains(document.activeElement));
    const focusRow = (i: number) =>
      rows[Math.max(0, Math.min(rows.length - 1, i))]?.querySelector<HTMLElement>('a')?.focus();
    const row = rows[current];
    if (e.key === 'ArrowDown') focusRow(current + 1);
    else if (e.key === 'ArrowUp') focusRow(current - 1);
    else if (e.key === 'Home') focusRow(0);
    else if (e.key === 'End') focusRow(rows.length - 1);
    else if (e.key === ' ' && row?.dataset.kind === 'document' && (e.target as HTMLElement).tagName === 'A')
      toggle(row.dataset.id!);
    else if (e.key === 'Delete' && selectedDocs.length > 0) void trashSelected();
    else return;
    e.preventDefault();
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!canWrite) return;
    if (e.dataTransfer.files.length > 0) uploads.add(e.dataTransfer.files);
  };

  const sortButton = (key: SortKey, label: string) => (
    <th
      aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
      className={key === 'updated' ? 'hide-narrow' : undefined}
    >
      <button
        type="button"
        onClick={() => setSort((s) => ({ key, dir: s.key === key ? (-s.dir as 1 | -1) : 1 }))}
      >
        {label} <span aria-hidden="true">{sort.key === key ? (sort.dir === 1 ? '▲' : '▼') : ''}</span>
      </button>
    </th>
  );

  const title = folderId ? (folder.data?.name ?? '') : t('browse.allDocuments');
  return (
    <section
      className={`dropzone${dragging ? ' active' : ''}`}
      onDragOver={(e) => {
        if (!canWrite) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      aria-labelledby="page-title"
    >
      {folder.data ? (
        <nav className="breadcrumbs" aria-label={t('browse.breadcrumbs')}>
          <ol>
            <li>
              <Link to="/">{t('browse.allDocuments')}</Link>
            </li>
            {folder.data.breadcrumbs.map((b) => (
              <li key={b.id}>
                <Link to={`/folders/${b.id}`}>{b.name}</Link>
              </li>
            ))}
          </ol>
        </nav>
      ) : null}
      <div className="row">
        <h1 id="page-title" className="spacer">
          {title}
        </h1>
        {folder.data?.abilities.manage ? (
          <>
            <button type="button" onClick={() => setRenaming(folder.data?.name ?? '')}>
              {t('browse.renameFolder')}
            </button>
            <button type="button" className="danger" onClick={() => void removeFolder()}>
              {t('browse.deleteFolder')}
            </button>
          </>
        ) : null}
        {canWrite ? (
          <>
            <button type="button" onClick={() => setNewFolder('')}>
              {t('browse.newFolder')}
            </button>
            <button type="button" className="primary" onClick={() => fileInput.current?.click()}>
              {t('browse.upload')}
            </button>
            <input
              ref={fileInput}
              type="file"
              multiple
              hidden
              aria-label={t('browse.upload')}
              onChange={(e) => {
                if (e.target.files) uploads.add(e.target.files);
                e.target.value = '';
              }}
            />
          </>
        ) : null}
      </div>
      {canWrite ? <p className="muted">{t('browse.dropHint')}</p> : null}
      {renaming !== null ? (
        <form className="row card" onSubmit={submitRename}>
          <label htmlFor="rename-folder">{t('browse.folderName')}</label>
          <FocusedInput
            id="rename-folder"
            value={renaming}
            onChange={(e) => setRenaming(e.target.value)}
            maxLength={255}
          />
          <button type="submit" className="primary">
            {t('common.save')}
          </button>
          <button type="button" onClick={() => setRenaming(null)}>
            {t('common.cancel')}
          </button>
        </form>
      ) : null}
      {newFolder !== null ? (
        <form className="row card" onSubmit={submitFolder}>
          <label htmlFor="new-folder">{t('browse.folderName')}</label>
          <FocusedInput
            id="new-folder"
            value={newFolder}
            onChange={(e) => setNewFolder(e.target.value)}
            maxLength={255}
          />
          <button type="submit" className="primary">
            {t('common.create')}
          </button>
          <button type="button" onClick={() => setNewFolder(null)}>
            {t('common.cancel')}
          </button>
        </form>
      ) : null}
      <ErrorText error={error ?? children.error ?? folder.error} />
      <UploadList items={uploads.items} onClear={uploads.clearDone} />
      {selectedDocs.length > 0 ? (
        <section className="row card" aria-label={t('browse.selection')}>
          <span className="spacer">{t('browse.selected', { count: selectedDocs.length })}</span>
          <button type="button" className="danger" onClick={() => void trashSelected()}>
            {t('browse.moveToTrash')}
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            {t('browse.clearSelection')}
          </button>
          <Suspense fallback={null}>
            <BulkActions
              ids={selectedDocs.map((d) => d.id)}
              folderId={folderId}
              onDone={() => setSelected(new Set())}
            />
          </Suspense>
        </section>
      ) : null}
      {children.isPending ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : items.length === 0 ? (
        <p className="muted">{t('browse.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table aria-labelledby="page-title" aria-describedby="list-help">
            <caption id="list-help" className="visually-hidden">
              {t('browse.keyboardHelp')}
            </caption>
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label={t('browse.selectAll')}
                    checked={documents.length > 0 && selectedDocs.length === documents.length}
                    onChange={(e) =>
                      setSelected(e.target.checked ? new Set(documents.map((d) => d.id)) : new Set())
                    }
                  />
                </th>
                {sortButton('name', t('browse.name'))}
                <th className="hide-narrow">{t('browse.kind')}</th>
                {sortButton('updated', t('browse.updated'))}
              </tr>
            </thead>
            <tbody ref={tbody} onKeyDown={onKeyDown}>
              {items.map((item) => (
                <tr
                  key={item.id}
                  data-id={item.id}
                  data-kind={item.kind}
                  className={selected.has(item.id) ? 'selected' : undefined}
                >
                  <td>
                    {item.kind === 'document' ? (
                      <input
                        type="checkbox"
                        aria-label={t('browse.select', { name: item.title })}
                        checked={selected.has(item.id)}
                        onChange={() => toggle(item.id)}
                      />
                    ) : null}
                  </td>
                  <td className="name">
                    <Link
                      to={item.kind === 'folder' ? `/folders/${item.id}` : `/documents/${item.id}`}
                      onDoubleClick={() =>
                        navigate(item.kind === 'folder' ? `/folders/${item.id}` : `/documents/${item.id}`)
                      }
                    >
                      <Icon kind={item.kind} />
                      {nameOf(item)}
                    </Link>
                  </td>
                  <td className="hide-narrow">
                    {item.kind === 'folder'
                      ? t('browse.folder')
                      : t('browse.versions', { count: item.versionCount })}
                  </td>
                  <td className="hide-narrow">{formatDateTime(item.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore query={children} />
      {folderId && folder.data ? (
        <>
          <Permissions resource={{ type: 'folder', id: folderId }} canManage={folder.data.abilities.manage} />
          <Suspense fallback={null}>
            <FolderExtras folder={folder.data} />
          </Suspense>
        </>
      ) : null}
    </section>
  );
}
